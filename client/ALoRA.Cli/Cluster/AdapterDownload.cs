using System.Security.Cryptography;
using ALoRA.Abstractions.Grains;
using ALoRA.Abstractions.Trials;

namespace ALoRA.Cli.Cluster;

/// <summary>
/// Copies a trial's adapter out of the cluster's checkpoint store through <see cref="IAdapterExportGrain"/>, in chunks
/// of at most <see cref="AdapterFile.ChunkSize"/> bytes, and checks each file's size and SHA-256 against the silo's.
/// </summary>
internal static class AdapterDownload
{
    /// <summary>Writes every file of <paramref name="trialId"/>'s adapter into <paramref name="target"/> (created); returns them.</summary>
    /// <exception cref="FileNotFoundException">The silo finds no adapter in its checkpoint store (the message says what is needed).</exception>
    /// <exception cref="InvalidOperationException">A file arrived with another size or hash than the silo listed.</exception>
    public static async Task<IReadOnlyList<AdapterFile>> DownloadAsync(IGrainFactory grains, string trialId, string target, CancellationToken cancellationToken)
    {
        var source = grains.GetGrain<IAdapterExportGrain>(trialId);
        var files = await source.ListFilesAsync();
        Directory.CreateDirectory(target);
        foreach (var file in files)
        {
            var path = Path.Combine(target, Path.GetFileName(file.Name));
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using (var output = File.Create(path))
            {
                while (output.Length < file.Length)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var chunk = await source.ReadAsync(file.Name, output.Length);
                    if (chunk.Length == 0)
                    {
                        break;
                    }

                    hash.AppendData(chunk);
                    await output.WriteAsync(chunk, cancellationToken);
                }
            }

            var written = new FileInfo(path).Length;
            var sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (written != file.Length || sha256 != file.Sha256)
            {
                File.Delete(path);
                throw new InvalidOperationException(
                    $"{file.Name} of trial {trialId} arrived as {written} bytes with SHA-256 {sha256}, but the checkpoint store holds {file.Length} bytes with {file.Sha256} (did the trial rerun meanwhile?)");
            }
        }

        return files;
    }
}
