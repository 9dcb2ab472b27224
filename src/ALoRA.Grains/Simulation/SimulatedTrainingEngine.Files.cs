using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using ALoRA.Abstractions.Sweeps;
using ALoRA.Grains.Training;
using ALoRA.Sweeps.Planning;

namespace ALoRA.Grains.Simulation;

/// <content>
/// The files of the simulated engine: what it reads of a trial's model (config.json) and data (line counts of
/// train.jsonl and validation.jsonl), and what it writes in the trial's workspace: checkpoints
/// (<c>checkpoints/checkpoint-NNNNNNNN/simulation.json</c>, the newest two kept), the adapter
/// (<c>adapter/simulated_adapter.json</c>) and the attempt records (<c>simulation/attempt-NNNN.json</c>).
/// </content>
public sealed partial class SimulatedTrainingEngine
{
    /// <summary>The file of a simulated checkpoint, inside its <c>checkpoint-NNNNNNNN</c> folder.</summary>
    public const string CheckpointFile = "simulation.json";

    /// <summary>The folder of the attempt records in a trial's workspace.</summary>
    public const string AttemptFolder = "simulation";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    private readonly ConcurrentDictionary<string, ModelShape> _shapes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (int Train, int Dev)> _counts = new(StringComparer.Ordinal);

    /// <summary>The model's sizes from its config.json (read once per folder).</summary>
    private ModelShape ShapeOf(string model) =>
        _shapes.GetOrAdd(Path.GetFullPath(model), folder => ModelShape.Load(Path.Combine(folder, "config.json")));

    /// <summary>
    /// Training examples (non-empty lines of train.jsonl) and dev examples: those of validation.jsonl, half of them when
    /// there is no test.jsonl (the real engine's split protocol keeps the other half for the test).
    /// </summary>
    private (int Train, int Dev) DataCounts(string data) =>
        _counts.GetOrAdd(Path.GetFullPath(data), folder =>
        {
            var train = Lines(Path.Combine(folder, "train.jsonl"));
            var validation = Lines(Path.Combine(folder, "validation.jsonl"));
            return (train, File.Exists(Path.Combine(folder, "test.jsonl")) ? validation : Math.Max(1, validation / 2));
        });

    private static int Lines(string path) =>
        File.Exists(path)
            ? File.ReadLines(path).Count(l => !string.IsNullOrWhiteSpace(l))
            : throw new FileNotFoundException($"{path}: file not found (the simulated engine counts its examples)", path);

    /// <summary>The step of the newest readable checkpoint of this trial (0: none), at most <paramref name="totalSteps"/>.</summary>
    internal static int NewestCheckpoint(TrialWorkspace workspace, int totalSteps)
    {
        if (!Directory.Exists(workspace.CheckpointDirectory))
        {
            return 0;
        }

        var newest = 0;
        foreach (var folder in Directory.EnumerateDirectories(workspace.CheckpointDirectory, "checkpoint-*"))
        {
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, CheckpointFile)));
                var step = doc.RootElement.GetProperty("step").GetInt32();
                if (step <= totalSteps)
                {
                    newest = Math.Max(newest, step);
                }
            }
            catch (Exception ex) when (ex is IOException or JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                // Unreadable (a write cut short by a kill): not a resume point.
            }
        }

        return newest;
    }

    /// <summary>Writes the checkpoint of <paramref name="step"/> (to a temporary folder, then renamed into place) and removes all but the newest two.</summary>
    private static void WriteCheckpoint(TrialWorkspace workspace, int step, int totalSteps)
    {
        var root = workspace.CheckpointDirectory;
        var name = string.Create(CultureInfo.InvariantCulture, $"checkpoint-{step:D8}");
        var final = Path.Combine(root, name);
        var temporary = Path.Combine(root, $".{name}.{Environment.ProcessId}.tmp");
        Directory.CreateDirectory(temporary);
        File.WriteAllText(Path.Combine(temporary, CheckpointFile), JsonSerializer.Serialize(new { step, total_steps = totalSteps }, Json));
        if (Directory.Exists(final))
        {
            Directory.Delete(final, recursive: true);
        }

        Directory.Move(temporary, final);
        File.WriteAllText(Path.Combine(root, "latest"), name);
        foreach (var old in Directory.EnumerateDirectories(root, "checkpoint-*").Order(StringComparer.Ordinal).SkipLast(2))
        {
            Directory.Delete(old, recursive: true);
        }
    }

    private static void WriteAdapter(TrialWorkspace workspace, TrialSpec spec, SimulatedTrialPlan plan)
    {
        try
        {
            Directory.CreateDirectory(workspace.AdapterDirectory);
            File.WriteAllText(Path.Combine(workspace.AdapterDirectory, "simulated_adapter.json"), JsonSerializer.Serialize(new
            {
                trial_id = spec.TrialId,
                method = spec.Method,
                r = spec.Lora.R,
                target_modules = spec.Lora.TargetModules,
                trainable_parameters = plan.AdapterParameters,
                steps = plan.TotalSteps,
            }, Json));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new TrialStorageException($"the final adapter could not be written to {workspace.AdapterDirectory}: {ex.Message}", ex);
        }
    }

    /// <summary>The attempt records of a trial's workspace, by attempt (unreadable ones left out).</summary>
    /// <param name="trialDirectory">The trial's folder in the checkpoint store.</param>
    public static IReadOnlyList<SimulatedAttemptRecord> ReadAttempts(string trialDirectory)
    {
        var folder = Path.Combine(trialDirectory, AttemptFolder);
        if (!Directory.Exists(folder))
        {
            return [];
        }

        var records = new List<SimulatedAttemptRecord>();
        foreach (var file in Directory.EnumerateFiles(folder, "attempt-*.json"))
        {
            try
            {
                if (JsonSerializer.Deserialize<SimulatedAttemptRecord>(File.ReadAllText(file)) is { } record)
                {
                    records.Add(record);
                }
            }
            catch (Exception ex) when (ex is IOException or JsonException)
            {
                // Cut short by a kill.
            }
        }

        return [.. records.OrderBy(r => r.Attempt)];
    }

    /// <summary>Writes the record of a failed attempt, if it can; always false (an exception filter that only records).</summary>
    private static bool TryWriteRecord(TrialWorkspace workspace, SimulatedAttemptRecord record)
    {
        try
        {
            WriteRecord(workspace, record);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The failure being reported may be this very folder.
        }

        return false;
    }

    private static void WriteRecord(TrialWorkspace workspace, SimulatedAttemptRecord record)
    {
        var folder = Path.Combine(workspace.Directory, AttemptFolder);
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"attempt-{record.Attempt:D4}.json"));
        var temporary = path + $".{Environment.ProcessId}.tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(record, Json));
        File.Move(temporary, path, overwrite: true);
    }
}
