using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using ALoRA.Engine.SafeTensors;
using static TorchSharp.torch;

namespace ALoRA.Engine.Checkpoints;

/// <summary>
/// A resumable checkpoint: a directory <c>checkpoint-{step:D8}</c> under a root, holding
/// <c>adapter.safetensors</c> (A, B, gates of every adapter), <c>optimizer.safetensors</c> (AdamW moments, the per-rank step counts of matrices that gained ranks, and
/// torch's RNG state), <c>best_adapter.safetensors</c> (the best dev checkpoint so far), <c>method_state.safetensors</c>
/// (the allocation method's own state, e.g. relaxed-gate logits or sensitivity averages, when it has any) and
/// <c>trainer_state.json</c> (<see cref="CheckpointManifest"/>, with the size and SHA-256 of every other file), written
/// last. The directory is written under a temporary name (<c>.checkpoint-….tmp</c>) and renamed when complete, so a
/// <c>checkpoint-*</c> directory is never a partial write; a failed write removes its temporary directory. The newest
/// <see cref="Keep"/> checkpoints are kept. A run resumes from the newest checkpoint that reads back whole
/// (<see cref="Candidates"/>); one that does not is moved into <c>damaged/</c> with the reason (<see cref="SetAside"/>).
/// </summary>
public static partial class TrainingCheckpoint
{
    /// <summary>Checkpoints kept under a root (the newest one and the one before it, to fall back to when the newest is damaged).</summary>
    public const int Keep = 2;

    /// <summary>Folder under the root that damaged checkpoints are moved into.</summary>
    public const string DamagedFolder = "damaged";

    /// <summary>File written into a set-aside checkpoint, saying why.</summary>
    public const string ReasonFile = "reason.txt";

    private const string ManifestFile = "trainer_state.json";

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    /// <summary>The tensors and manifest of one checkpoint.</summary>
    public sealed record Contents(
        CheckpointManifest Manifest,
        Dictionary<string, Tensor> Adapter,
        Dictionary<string, Tensor> OptimizerMoments,
        Tensor RngState,
        Dictionary<string, Tensor>? BestAdapter,
        Dictionary<string, Tensor>? MethodState = null);

    /// <summary>Writes a checkpoint under <paramref name="root"/>; returns its directory.</summary>
    /// <param name="root">The checkpoint root.</param>
    /// <param name="contents">What to write.</param>
    /// <param name="fileSystem">Creates the files (default: <see cref="CheckpointFileSystem.Default"/>).</param>
    /// <exception cref="IOException">The write failed (a full disk, say): nothing of it is left, the older checkpoints are untouched.</exception>
    public static string Save(string root, Contents contents, CheckpointFileSystem? fileSystem = null)
    {
        Directory.CreateDirectory(root);
        var name = $"checkpoint-{contents.Manifest.State.Step:D8}";
        var final = Path.Combine(root, name);
        var temp = Path.Combine(root, $".{name}.{Guid.NewGuid():N}.tmp");
        string? replaced = null;
        try
        {
            Directory.CreateDirectory(temp);
            var files = new Dictionary<string, CheckpointFileHash>(StringComparer.Ordinal);
            void Write(string file, IReadOnlyDictionary<string, Tensor> tensors)
            {
                var path = Path.Combine(temp, file);
                SafeTensorsWriter.Write(path, tensors, fileSystem: fileSystem);
                files[file] = Hash(path);
            }

            Write("adapter.safetensors", contents.Adapter);
            Write("optimizer.safetensors", new Dictionary<string, Tensor>(contents.OptimizerMoments) { ["rng_state"] = contents.RngState });
            if (contents.BestAdapter is not null)
            {
                Write("best_adapter.safetensors", contents.BestAdapter);
            }

            var hasMethodState = contents.MethodState is { Count: > 0 };
            if (hasMethodState)
            {
                Write("method_state.safetensors", contents.MethodState!);
            }

            // The manifest last: a directory with a manifest names every file it needs, with its hash.
            var manifest = contents.Manifest with { HasBestAdapter = contents.BestAdapter is not null, HasMethodState = hasMethodState, Files = files };
            AtomicFile.WriteAllText(Path.Combine(temp, ManifestFile), JsonSerializer.Serialize(manifest, Json), fileSystem);
            if (Directory.Exists(final))
            {
                // The same step again (a cancellation right after a scheduled checkpoint): the old one stays until the new one is in place.
                replaced = Path.Combine(root, $".{name}.{Guid.NewGuid():N}.old");
                Directory.Move(final, replaced);
            }

            Directory.Move(temp, final);
        }
        catch
        {
            TryDeleteDirectory(temp);
            if (replaced is not null && !Directory.Exists(final))
            {
                Directory.Move(replaced, final);
                replaced = null;
            }

            throw;
        }

        if (replaced is not null)
        {
            TryDeleteDirectory(replaced);
        }

        Prune(root, name);
        return final;
    }

    /// <summary>The newest checkpoint directory under <paramref name="root"/> (by step), or null when there is none; it is not read.</summary>
    public static string? Latest(string root) => Candidates(root).FirstOrDefault();

    /// <summary>Every checkpoint directory under <paramref name="root"/>, newest (highest step) first; none when the root does not exist.</summary>
    public static IReadOnlyList<string> Candidates(string root)
    {
        if (!Directory.Exists(root))
        {
            return [];
        }

        return Directory.GetDirectories(root, "checkpoint-*")
            .Where(d => CheckpointName().IsMatch(Path.GetFileName(d)))
            .OrderByDescending(d => Path.GetFileName(d), StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// Moves a checkpoint that cannot be resumed into <c>&lt;root&gt;/damaged/</c> (never deletes it), with a
    /// <see cref="ReasonFile"/> saying why; returns where it went, or null when it could not be moved (it is then left
    /// where it is).
    /// </summary>
    /// <param name="dir">The checkpoint directory.</param>
    /// <param name="reason">Why it cannot be resumed.</param>
    public static string? SetAside(string dir, string reason)
    {
        var root = Path.GetDirectoryName(Path.GetFullPath(dir))!;
        var damaged = Path.Combine(root, DamagedFolder);
        try
        {
            Directory.CreateDirectory(damaged);
            var target = Path.Combine(damaged, Path.GetFileName(dir));
            for (var n = 2; Directory.Exists(target) || File.Exists(target); n++)
            {
                target = Path.Combine(damaged, $"{Path.GetFileName(dir)}.{n}");
            }

            Directory.Move(dir, target);
            try
            {
                File.WriteAllText(Path.Combine(target, ReasonFile), $"{DateTimeOffset.UtcNow:O} {reason}\n");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Moved aside is what matters; the reason is also in the trial's attempts and the log.
            }

            return target;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Reads a checkpoint directory, checking every file against the manifest's sizes and hashes first.</summary>
    /// <exception cref="InvalidDataException">A file is missing, truncated, altered or malformed; the message names it.</exception>
    public static Contents Load(string dir)
    {
        var manifestPath = Path.Combine(dir, ManifestFile);
        CheckpointManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<CheckpointManifest>(File.ReadAllText(manifestPath), Json)
                       ?? throw new InvalidDataException($"{manifestPath}: empty");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{manifestPath}: not a valid checkpoint manifest ({ex.Message})", ex);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidDataException($"{manifestPath}: missing", ex);
        }

        if (manifest.SchemaVersion != CheckpointManifest.CurrentSchemaVersion)
        {
            throw new InvalidDataException($"{manifestPath}: schema_version {manifest.SchemaVersion} is not supported (expected {CheckpointManifest.CurrentSchemaVersion})");
        }

        if (manifest.State is null || manifest.OptimizerSteps is null || manifest.Fingerprint is null)
        {
            throw new InvalidDataException($"{manifestPath}: not a valid checkpoint manifest (state, optimizer_steps or fingerprint missing)");
        }

        foreach (var (file, expected) in manifest.Files ?? [])
        {
            var path = Path.Combine(dir, file);
            if (file.Contains('/', StringComparison.Ordinal) || file.Contains('\\', StringComparison.Ordinal) || !File.Exists(path))
            {
                throw new InvalidDataException($"{path}: missing (the manifest lists it)");
            }

            var actual = Hash(path);
            if (actual.Bytes != expected.Bytes)
            {
                throw new InvalidDataException($"{path}: {actual.Bytes} bytes, the manifest says {expected.Bytes} (truncated or altered)");
            }

            if (!string.Equals(actual.Sha256, expected.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidDataException($"{path}: SHA-256 {actual.Sha256} does not match the manifest's {expected.Sha256} (altered)");
            }
        }

        var adapter = ReadAll(Path.Combine(dir, "adapter.safetensors"));
        var optimizer = ReadAll(Path.Combine(dir, "optimizer.safetensors"));
        if (!optimizer.Remove("rng_state", out var rng))
        {
            throw new InvalidDataException($"{dir}/optimizer.safetensors: no 'rng_state' tensor");
        }

        var best = manifest.HasBestAdapter ? ReadAll(Path.Combine(dir, "best_adapter.safetensors")) : null;
        var methodState = manifest.HasMethodState ? ReadAll(Path.Combine(dir, "method_state.safetensors")) : null;
        return new Contents(manifest, adapter, optimizer, rng, best, methodState);
    }

    private static CheckpointFileHash Hash(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return new CheckpointFileHash(stream.Length, Convert.ToHexStringLower(SHA256.HashData(stream)));
    }

    private static Dictionary<string, Tensor> ReadAll(string path)
    {
        try
        {
            using var file = SafeTensorsFile.Open(path);
            return file.Tensors.Keys.ToDictionary(k => k, k => file.Read(k).DetachFromDisposeScope(), StringComparer.Ordinal);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or EndOfStreamException or SafeTensorsFormatException)
        {
            throw new InvalidDataException($"{path}: {ex.Message}", ex);
        }
    }

    private static void Prune(string root, string current)
    {
        var old = Candidates(root)
            .Where(d => Path.GetFileName(d) != current)
            .Skip(Keep - 1);
        foreach (var dir in old)
        {
            TryDeleteDirectory(dir);
        }
    }

    private static void TryDeleteDirectory(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for the next prune (a temporary or old directory is never resumed).
        }
    }

    [GeneratedRegex("^checkpoint-[0-9]{8}$", RegexOptions.CultureInvariant)]
    private static partial Regex CheckpointName();
}
