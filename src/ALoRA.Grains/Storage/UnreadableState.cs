namespace ALoRA.Grains.Storage;

/// <summary>How the ALoRA storage providers treat a record they cannot read (see <see cref="IUnreadableStateAware"/>).</summary>
internal static class UnreadableState
{
    /// <summary>
    /// The ETag handed out with an unreadable record. No stored record ever has it, and both providers refuse a write or
    /// clear that carries it before touching the store.
    /// </summary>
    public const string ETag = "unreadable";

    /// <summary>
    /// Gives <paramref name="grainState"/> a new state marked unreadable with <paramref name="failure"/>'s message, when
    /// its type allows that; false (the caller rethrows) otherwise.
    /// </summary>
    public static bool TryTolerate<T>(IGrainState<T> grainState, InvalidDataException failure)
    {
        var state = Activator.CreateInstance<T>();
        if (state is not IUnreadableStateAware aware)
        {
            return false;
        }

        aware.UnreadableReason = failure.Message;
        grainState.State = state;
        grainState.ETag = ETag;
        grainState.RecordExists = true;
        return true;
    }

    /// <summary>Throws when <paramref name="etag"/> came from an unreadable record: nothing may be written over it.</summary>
    /// <exception cref="InvalidOperationException">It did.</exception>
    public static void ThrowIfUnreadable(string? etag, string storageName, string where)
    {
        if (string.Equals(etag, ETag, StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"Grain storage '{storageName}': {where} could not be read when the grain activated, so it is not overwritten or cleared; repair or delete it, then the grain reads it again on its next activation.");
        }
    }
}
