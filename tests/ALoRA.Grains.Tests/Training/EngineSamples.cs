using System.Reflection;
using ALoRA.Abstractions.Sweeps;
using ALoRA.Abstractions.Trials;
using ALoRA.Engine.Runtime;

namespace ALoRA.Grains.Tests.Training;

/// <summary>Paths of the shipped samples (found from the repository root recorded at build time) and small trial specs.</summary>
internal static class EngineSamples
{
    /// <summary>
    /// Torch threads of the engine tests. One: on the 2-core machines, two threads contending with another torch
    /// process run about 20 times slower than one.
    /// </summary>
    public const int Threads = 1;

    static EngineSamples()
    {
        // Fails loudly (TorchUnavailableException names the cause and the fix) when torch cannot load; never skips.
        TorchRuntime.EnsureInitialized(Threads);
    }

    public static string RepositoryRoot { get; } =
        typeof(EngineSamples).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    public static string Stories260K => Path.Combine(RepositoryRoot, "samples", "models", "stories260K");

    public static string Sst2 => Path.Combine(RepositoryRoot, "samples", "data", "sst2");

    /// <summary>
    /// A copy of the start of the shipped SST-2 (train 512, validation 64, test 64 rows), written once per test run:
    /// the shipped test split alone takes seconds to evaluate.
    /// </summary>
    public static string SmallSst2 => SmallSst2Folder.Value;

    private static readonly Lazy<string> SmallSst2Folder = new(() =>
    {
        var dir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "alora-engine-tests", $"sst2-small-{Environment.ProcessId}")).FullName;
        foreach (var (file, rows) in new[] { ("train.jsonl", 512), ("validation.jsonl", 64), ("test.jsonl", 64) })
        {
            File.WriteAllLines(Path.Combine(dir, file), File.ReadLines(Path.Combine(Sst2, file)).Take(rows));
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a leftover folder in the temp directory is harmless.
            }
        };

        return dir;
    });

    /// <summary>Call first in any test that touches torch.</summary>
    public static void EnsureTorch() => _ = RepositoryRoot;

    /// <summary>A short stories260K/SST-2 (<see cref="SmallSst2"/>) trial: batch 16, 8 steps, dev evaluation every 4 steps on 32 examples.</summary>
    public static TrialAssignment Assignment(string method = TrialMethods.Lora, int attempt = 1, AllocationSettings? allocation = null,
                                             Func<TrainingSettings, TrainingSettings>? training = null) =>
        new()
        {
            Attempt = attempt,
            Spec = new TrialSpec
            {
                SweepId = "engine-test",
                TrialId = $"engine-test-{method}",
                Model = Stories260K,
                Data = SmallSst2,
                Task = "sst2",
                Method = method,
                Lora = new LoraSettings { R = 8 },
                Training = (training ?? (t => t))(new TrainingSettings
                {
                    LearningRate = 5e-3,
                    BatchSize = 16,
                    MaxSteps = 8,
                    EvalEverySteps = 4,
                    MaxDevExamples = 32,
                    MaxSequenceLength = 64,
                    Seed = 7,
                    CheckpointEverySteps = null,
                }),
                Allocation = allocation,
            },
        };
}
