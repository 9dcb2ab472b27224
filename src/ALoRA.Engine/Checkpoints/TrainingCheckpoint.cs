using System.Text.Json;
using ALoRA.Engine.SafeTensors;
using static TorchSharp.torch;

namespace ALoRA.Engine.Checkpoints;

/// <summary>
/// A resumable checkpoint: a directory <c>checkpoint-{step:D8}</c> under a root, holding
/// <c>adapter.safetensors</c> (A, B, gates of every adapter), <c>optimizer.safetensors</c> (AdamW moments and
/// torch's RNG state), <c>best_adapter.safetensors</c> (the best dev checkpoint so far), <c>method_state.safetensors</c>
/// (the allocation method's own state, e.g. relaxed-gate logits or sensitivity averages, when it has any) and
/// <c>trainer_state.json</c> (<see cref="CheckpointManifest"/>). The directory is written under a temporary name and
/// renamed when complete; then the root's <c>latest</c> file is replaced atomically to point at it. A crash at any
/// point leaves the previous checkpoint intact and selected.
/// </summary>
public static class TrainingCheckpoint
{
    private const string LatestFile = "latest";
    private const int Keep = 2;

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

    /// <summary>Writes a checkpoint under <paramref name="root"/> and selects it; returns its directory.</summary>
    public static string Save(string root, Contents contents)
    {
        Directory.CreateDirectory(root);
        var name = $"checkpoint-{contents.Manifest.State.Step:D8}";
        var final = Path.Combine(root, name);
        var temp = Path.Combine(root, $".{name}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(temp);
        try
        {
            SafeTensorsWriter.Write(Path.Combine(temp, "adapter.safetensors"), contents.Adapter);
            var optimizer = new Dictionary<string, Tensor>(contents.OptimizerMoments) { ["rng_state"] = contents.RngState };
            SafeTensorsWriter.Write(Path.Combine(temp, "optimizer.safetensors"), optimizer);
            if (contents.BestAdapter is not null)
            {
                SafeTensorsWriter.Write(Path.Combine(temp, "best_adapter.safetensors"), contents.BestAdapter);
            }

            var hasMethodState = contents.MethodState is { Count: > 0 };
            if (hasMethodState)
            {
                SafeTensorsWriter.Write(Path.Combine(temp, "method_state.safetensors"), contents.MethodState!);
            }

            var manifest = contents.Manifest with { HasBestAdapter = contents.BestAdapter is not null, HasMethodState = hasMethodState };
            AtomicFile.WriteAllText(Path.Combine(temp, "trainer_state.json"), JsonSerializer.Serialize(manifest, Json));
            if (Directory.Exists(final))
            {
                Directory.Delete(final, recursive: true);
            }

            Directory.Move(temp, final);
        }
        catch
        {
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }

            throw;
        }

        AtomicFile.WriteAllText(Path.Combine(root, LatestFile), name);
        Prune(root, name);
        return final;
    }

    /// <summary>The selected checkpoint directory under <paramref name="root"/>, or null when there is none.</summary>
    public static string? Latest(string root)
    {
        var pointer = Path.Combine(root, LatestFile);
        if (!File.Exists(pointer))
        {
            return null;
        }

        var dir = Path.Combine(root, File.ReadAllText(pointer).Trim());
        return Directory.Exists(dir) ? dir : throw new InvalidDataException($"{pointer} points at '{dir}', which does not exist");
    }

    /// <summary>Reads a checkpoint directory.</summary>
    public static Contents Load(string dir)
    {
        var manifestPath = Path.Combine(dir, "trainer_state.json");
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

        if (manifest.SchemaVersion != CheckpointManifest.CurrentSchemaVersion)
        {
            throw new InvalidDataException($"{manifestPath}: schema_version {manifest.SchemaVersion} is not supported (expected {CheckpointManifest.CurrentSchemaVersion})");
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

    private static Dictionary<string, Tensor> ReadAll(string path)
    {
        using var file = SafeTensorsFile.Open(path);
        return file.Tensors.Keys.ToDictionary(k => k, k => file.Read(k).DetachFromDisposeScope(), StringComparer.Ordinal);
    }

    private static void Prune(string root, string current)
    {
        var old = Directory.GetDirectories(root, "checkpoint-*")
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(n => n != current)
            .OrderByDescending(n => n, StringComparer.Ordinal)
            .Skip(Keep - 1);
        foreach (var dir in old)
        {
            Directory.Delete(Path.Combine(root, dir), recursive: true);
        }
    }
}
