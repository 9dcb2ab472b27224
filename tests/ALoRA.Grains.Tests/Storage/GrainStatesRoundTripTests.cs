using System.Text.Json;
using ALoRA.Abstractions.Sweeps;
using ALoRA.Abstractions.Trials;
using ALoRA.Grains.Experiments;
using ALoRA.Grains.Scheduling;
using ALoRA.Grains.Storage;
using ALoRA.Grains.Sweeps;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Runtime;
using Polly;

namespace ALoRA.Grains.Tests.Storage;

/// <summary>The grains' real persisted states survive the file format unchanged.</summary>
public sealed class GrainStatesRoundTripTests : IDisposable
{
    private static readonly DateTimeOffset At = new(2025, 6, 1, 12, 0, 0, TimeSpan.FromHours(2));

    private readonly TempDirectory _root = new();

    public void Dispose() => _root.Dispose();

    private async Task<(T Read, string File)> RoundTrip<T>(T state)
    {
        var storage = new FileGrainStorage("alora", new FileGrainStorageOptions { RootDirectory = _root.Path }, ResiliencePipeline.Empty,
            NullLogger<FileGrainStorage>.Instance);
        var id = GrainId.Create("g", "k");
        await storage.WriteStateAsync("alora", id, new GrainState<T> { State = state });
        var read = new GrainState<T>();
        await storage.ReadStateAsync("alora", id, read);
        return (read.State!, await File.ReadAllTextAsync(storage.FilePath("alora", id)));
    }

    private static void AssertSameJson<T>(T expected, T actual) =>
        Assert.Equal(JsonSerializer.Serialize(expected, GrainStateFile.Json), JsonSerializer.Serialize(actual, GrainStateFile.Json));

    [Fact]
    public async Task ExperimentState_RoundTrips()
    {
        var round = new AllocationRoundSummary
        {
            Round = 1,
            Step = 40,
            BaseCe = 2.5,
            Scores = [],
            Pruned = ["model.layers.0.self_attn.q_proj#3"],
            Added = new Dictionary<string, int> { ["model.layers.1.mlp.up_proj"] = 1 },
            RanksAfter = new Dictionary<string, int> { ["model.layers.0.self_attn.q_proj"] = 7 },
            DevLoss = double.NaN,
        };
        var state = new ExperimentState
        {
            Spec = new TrialSpec
            {
                SweepId = "sst2",
                TrialId = "sst2-0123456789ab",
                Method = TrialMethods.Alora,
                SearchValues = new Dictionary<string, string> { ["training.learning_rate"] = "0.0003" },
                ConfigHash = "0123456789ab",
            },
            State = TrialState.Running,
            Attempt = 2,
            Trainer = "node-a/cpu:0@127.0.0.1:11111@1",
            StepLosses = [2.0, double.PositiveInfinity, double.NaN],
            Evaluations = [new TrialProgress { TrialId = "sst2-0123456789ab", Kind = TrialProgressKind.Evaluation, DevLoss = 1.5, Round = round, Timestamp = At }],
            Rounds = [round],
            Result = new TrialResult { Method = "alora", DevMetric = 0.9, FinalAllocation = new Dictionary<string, int> { ["m"] = 4 } },
            Attempts = ["1: failed"],
            UpdatedAt = At,
        };

        var (read, file) = await RoundTrip(state);

        AssertSameJson(state, read);
        Assert.Contains("\"state_type\": \"alora.ExperimentState\"", file, StringComparison.Ordinal);
        Assert.Contains("\"state\": \"Running\"", file, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SchedulerState_RoundTrips()
    {
        var state = new SchedulerState
        {
            Queue = new TrialQueueSnapshot
            {
                Sweeps = [new SweepQueueSnapshot { SweepId = "s", MaxConcurrent = 2, Queued = ["a", "b"], Running = ["c"] }],
                Cursor = 1,
            },
            Trainers = new() { ["node-a/cpu:0"] = new TrainerRecord { SiloAddress = "S127.0.0.1:11111:1", Trial = "c", LastSeen = At } },
            Sweeps = ["s"],
        };

        var (read, _) = await RoundTrip(state);

        AssertSameJson(state, read);
    }

    [Fact]
    public async Task SweepCoordinatorState_RoundTrips()
    {
        var state = new SweepCoordinatorState
        {
            SpecYaml = "name: x\nparameters:\n  lr: {grid_search: [1, 2]}\n",
            BaseDirectory = "/data",
            SpecHash = "abc",
            Metric = "test_accuracy",
            Mode = "max",
            MaxConcurrentTrials = 2,
            TrialIds = ["x-1", "x-2"],
            SubmittedAt = At,
        };

        var (read, _) = await RoundTrip(state);

        AssertSameJson(state, read);
    }
}
