namespace ALoRA.Grains.Storage;

/// <summary>
/// A persisted grain state that lets its grain activate when the stored record cannot be read (not valid JSON, a newer
/// <c>schema_version</c>, another state type, a Redis value of the wrong type). Instead of failing the activation, the
/// ALoRA storage providers then hand the grain a new state with <see cref="UnreadableReason"/> set, and refuse every
/// write or clear over that record, so the stored bytes stay as they are until someone repairs or deletes them. The
/// grain answers status calls with the reason and changes nothing. States that do not implement this interface make
/// the read throw <see cref="InvalidDataException"/> instead.
/// </summary>
public interface IUnreadableStateAware
{
    /// <summary>
    /// Null when the state was read (or no record exists); otherwise why the stored record could not be read, naming
    /// the file or Redis key. Set by the storage provider; never persisted.
    /// </summary>
    string? UnreadableReason { get; set; }
}
