namespace ALoRA.Grains.Storage;

/// <summary>
/// What ALoRA's storage providers offer besides <c>IGrainStorage</c>, for rebuilding a record from the others
/// (docs/state-format.md, "The scheduler's record lost or unreadable"): which grains of a type have a record of a state,
/// and setting an unreadable record aside instead of writing over it.
/// </summary>
public interface IStoredGrainRecords
{
    /// <summary>
    /// The keys of the grains of type <paramref name="grainType"/> (<c>GrainId.Type</c>, e.g. <c>sweepcoordinator</c>)
    /// that have a stored record of <paramref name="stateName"/>, readable or not; keys a file name cannot give back
    /// unambiguously (those with a hash suffix) are left out.
    /// </summary>
    Task<IReadOnlyList<string>> ListKeysAsync(string stateName, string grainType, CancellationToken cancellationToken);

    /// <summary>
    /// Moves <paramref name="grainId"/>'s record of <paramref name="stateName"/> to the same name with
    /// <paramref name="suffix"/> appended (never over an existing one), so the grain starts from no record while the
    /// damaged one is kept; returns where it now is, or null when there was no record.
    /// </summary>
    Task<string?> SetAsideAsync(string stateName, GrainId grainId, string suffix, CancellationToken cancellationToken);
}
