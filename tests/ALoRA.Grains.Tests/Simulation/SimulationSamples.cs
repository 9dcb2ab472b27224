using System.Globalization;
using ALoRA.Abstractions.Sweeps;
using ALoRA.Abstractions.Trials;
using ALoRA.Grains.Simulation;

namespace ALoRA.Grains.Tests.Simulation;

/// <summary>A LLaMA-7B model folder (config.json only) and a data folder of known sizes, for the simulated engine.</summary>
internal sealed class SimulationSamples : IDisposable
{
    public const int TrainExamples = 1000;
    public const int ValidationExamples = 400; // no test.jsonl: the dev split is half of it

    private readonly TempDirectory _dir = TempDirectory.Create("simulation");

    public SimulationSamples()
    {
        Llama7BFolder.Create(Model);
        Llama7BFolder.CreateData(Data, TrainExamples, ValidationExamples);
    }

    public string Model => _dir.PathOf("llama-7b");

    public string Data => _dir.PathOf("data");

    public string Workspaces => _dir.PathOf("workspaces");

    public TrialAssignment Assignment(string trialId, string method = TrialMethods.Lora, int attempt = 1, double lr = 3e-4, int r = 8, long seed = 1,
                                      int maxSteps = 100, AllocationSettings? allocation = null) => new()
    {
        Attempt = attempt,
        Lease = "lease",
        Spec = new TrialSpec
        {
            SweepId = "sim",
            TrialId = trialId,
            Model = Model,
            Data = Data,
            Task = "sst2",
            Method = method,
            ConfigHash = string.Create(CultureInfo.InvariantCulture, $"{method}-{lr}-{r}"),
            Lora = new LoraSettings { R = r },
            Training = new TrainingSettings
            {
                LearningRate = lr, BatchSize = 64, MaxSequenceLength = 512, MaxSteps = maxSteps, EvalEverySteps = 20, CheckpointEverySteps = 25,
                GradientCheckpointing = true, Seed = seed,
            },
            Allocation = allocation,
        },
    };

    public static SimulationOptions Options(double timeScale = 1e6) => new()
    {
        TimeScale = timeScale,
        ReportInterval = TimeSpan.FromMilliseconds(1),
    };

    public void Dispose() => _dir.Dispose();
}
