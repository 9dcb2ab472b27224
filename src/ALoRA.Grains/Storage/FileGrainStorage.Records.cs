namespace ALoRA.Grains.Storage;

/// <summary>Listing records and setting one aside (<see cref="IStoredGrainRecords"/>): the files of a folder, a rename.</summary>
public sealed partial class FileGrainStorage : IStoredGrainRecords
{
    /// <inheritdoc />
    public Task<IReadOnlyList<string>> ListKeysAsync(string stateName, string grainType, CancellationToken cancellationToken)
    {
        var folder = SafeFileName.PathUnder(RootDirectory, "", stateName, grainType);
        IReadOnlyList<string> keys = !Directory.Exists(folder) ? [] :
            [.. Directory.EnumerateFiles(folder)
                .Select(Path.GetFileName)
                .Where(name => name!.EndsWith(Extension, StringComparison.Ordinal) && !name.StartsWith('.'))
                .Select(name => SafeFileName.TryDecode(name![..^Extension.Length], out var key) ? key : null)
                .OfType<string>()
                .Order(StringComparer.Ordinal)];
        return Task.FromResult(keys);
    }

    /// <inheritdoc />
    public async Task<string?> SetAsideAsync(string stateName, GrainId grainId, string suffix, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(suffix);
        var path = FilePath(stateName, grainId);
        var target = path + suffix;
        SafeFileName.EnsureInside(RootDirectory, target);
        using (await Locks.AcquireAsync(path, cancellationToken).ConfigureAwait(false))
        {
            if (!File.Exists(path))
            {
                return null;
            }

            File.Move(path, target, overwrite: false);
        }

        return target;
    }
}
