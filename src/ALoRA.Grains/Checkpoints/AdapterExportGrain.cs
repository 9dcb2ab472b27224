using System.Collections.Immutable;
using System.Security.Cryptography;
using ALoRA.Abstractions.Grains;
using ALoRA.Abstractions.Trials;
using ALoRA.Grains.Training;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace ALoRA.Grains.Checkpoints;

/// <summary>
/// Serves a trial's exported adapter (<c>&lt;trial folder&gt;/adapter/</c> in the checkpoint store) to clients in
/// chunks of <see cref="AdapterFile.ChunkSize"/> bytes; see <see cref="IAdapterExportGrain"/>. Only plain files directly
/// in the adapter folder are served, by name.
/// </summary>
[StatelessWorker]
public sealed class AdapterExportGrain(ICheckpointStore store, IOptions<CheckpointStoreOptions> options) : Grain, IAdapterExportGrain
{
    /// <inheritdoc />
    public async Task<ImmutableList<AdapterFile>> ListFilesAsync()
    {
        var folder = AdapterFolder();
        var files = ImmutableList.CreateBuilder<AdapterFile>();
        foreach (var path in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
        {
            await using var stream = File.OpenRead(path);
            var hash = await SHA256.HashDataAsync(stream);
            files.Add(new AdapterFile { Name = Path.GetFileName(path), Length = stream.Length, Sha256 = Convert.ToHexStringLower(hash) });
        }

        return files.ToImmutable();
    }

    /// <inheritdoc />
    public async Task<byte[]> ReadAsync(string name, long offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        var folder = AdapterFolder();
        if (string.IsNullOrEmpty(name) || Path.GetFileName(name) != name || !File.Exists(Path.Combine(folder, name)))
        {
            throw new ArgumentException($"'{name}' is not a file of trial {this.GetPrimaryKeyString()}'s adapter", nameof(name));
        }

        await using var stream = File.OpenRead(Path.Combine(folder, name));
        if (offset >= stream.Length)
        {
            return [];
        }

        stream.Position = offset;
        var buffer = new byte[(int)Math.Min(AdapterFile.ChunkSize, stream.Length - offset)];
        await stream.ReadExactlyAsync(buffer);
        return buffer;
    }

    private string AdapterFolder()
    {
        var folder = new TrialWorkspace(store.TrialPath(this.GetPrimaryKeyString())).AdapterDirectory;
        if (!File.Exists(Path.Combine(folder, "adapter_config.json")))
        {
            throw new FileNotFoundException(
                $"trial {this.GetPrimaryKeyString()} has no adapter in the checkpoint store of silo {this.RuntimeIdentity} (looked in {folder}); " +
                $"every silo must mount the shared checkpoint store ({CheckpointStoreOptions.Section}:{nameof(CheckpointStoreOptions.RootDirectory)} = '{options.Value.RootDirectory}')");
        }

        return folder;
    }
}
