using ALoRA.Abstractions.Sweeps;
using ALoRA.Abstractions.Trials;
using ALoRA.Engine.Runtime;

namespace ALoRA.Grains.Tests.Training;

/// <summary>Torch for the engine tests, a small copy of the SST-2 sample and small trial specs (sample paths: <see cref="RepositoryPaths"/>).</summary>
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

    /// <summary>
    /// A copy of the start of the shipped SST-2 (train 512, validation 64, test 64 rows), written once per test run:
    /// the shipped test split alone takes seconds to evaluate.
    /// </summary>
    public static string SmallSst2 => SmallSst2Folder.Value;

    private static readonly Lazy<string> SmallSst2Folder = new(() =>
    {
        var folder = TempDirectory.Create("engine-sst2-small");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => folder.Dispose();
        return RepositoryPaths.CopySmallSst2(folder.Path, train: 512, validation: 64, test: 64);
    });

    /// <summary>Call first in any test that touches torch.</summary>
    public static void EnsureTorch()
    {
        // The static constructor does the work.
    }

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
                Model = RepositoryPaths.Stories260K,
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
