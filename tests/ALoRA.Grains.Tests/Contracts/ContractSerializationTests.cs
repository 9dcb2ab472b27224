using ALoRA.Abstractions.Cluster;
using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Trials;
using ALoRA.Grains.Experiments;
using ALoRA.Grains.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace ALoRA.Grains.Tests.Contracts;

/// <summary>The grain contracts and persisted states survive Orleans' serializer with every field.</summary>
public sealed class ContractSerializationTests
{
    private static readonly ServiceProvider Services = new ServiceCollection()
        .AddSerializer(b => b.AddAssembly(typeof(TrialProgress).Assembly).AddAssembly(typeof(ExperimentState).Assembly))
        .BuildServiceProvider();

    private static readonly AllocationRoundSummary Round = new()
    {
        Round = 2, Step = 40, BaseCe = 1.25, DevLoss = 1.5, ScoringSeconds = 3.5,
        Scores = [new RankImportance { Module = "model.layers.0.self_attn.q_proj", Rank = 3, Importance = -0.01, CeWithout = 1.3, CeOnly = 1.2 }],
        Pruned = ["model.layers.0.self_attn.q_proj[3]"],
        Added = new Dictionary<string, int> { ["model.layers.4.mlp.up_proj"] = 1 },
        RanksAfter = new Dictionary<string, int> { ["model.layers.0.self_attn.q_proj"] = 7, ["model.layers.4.mlp.up_proj"] = 9 },
    };

    private static T RoundTrip<T>(T value)
        where T : class
    {
        var serializer = Services.GetRequiredService<Serializer>();
        var copy = serializer.Deserialize<T>(serializer.SerializeToArray(value));
        Assert.NotSame(value, copy);
        return copy!;
    }

    [Fact]
    public void TrialProgress_WithARound_RoundTrips()
    {
        var p = new TrialProgress
        {
            TrialId = "s-abc", Attempt = 2, Kind = TrialProgressKind.AllocationRound, Step = 40, TotalSteps = 100, Loss = 0.5, DevLoss = 1.5,
            Metric = 0.75, TokensPerSecond = 1234, Round = Round, Timestamp = DateTimeOffset.UnixEpoch,
        };
        var copy = RoundTrip(p);
        Assert.Equal(p with { Round = copy.Round }, copy);
        AssertRound(copy.Round!);
    }

    [Fact]
    public void StatusAndResult_RoundTrip()
    {
        var result = new TrialResult
        {
            Method = "alora", DevMetric = 0.8, TestMetric = 0.75, DevLoss = 0.4, TestLoss = 0.45, InitialTrainableParameters = 46240,
            FinalTrainableParameters = 49892, FinalAllocation = new Dictionary<string, int> { ["m"] = 8 }, Steps = 600, AllocationRounds = 8,
            TrainSeconds = 100, WallSeconds = 120, TokensPerSecond = 19000, PeakMemoryBytes = 1 << 30, AdapterDirectory = "/x/adapter",
        };
        var status = new TrialStatus
        {
            TrialId = "s-abc", SweepId = "s", Index = 3, Method = "alora", Seed = 7, SearchValues = new Dictionary<string, string> { ["training.learning_rate"] = "0.001" },
            State = TrialState.Completed, Attempt = 2, Trainer = "node-a/cpu:0@x", Step = 600, TotalSteps = 600, Loss = 0.3, DevLoss = 0.4,
            Rounds = 8, RanksMoved = 56, Result = result, Error = "e", InfrastructureRetries = 1, TrialFailures = 0, UpdatedAt = DateTimeOffset.UnixEpoch,
        };
        var sweep = RoundTrip(new SweepStatus { SweepId = "s", Name = "n", State = SweepState.Completed, Metric = "test_accuracy", Mode = "max", Trials = [status] });
        var copy = sweep.Trials.Single();
        Assert.Equal(status with { SearchValues = copy.SearchValues, Result = copy.Result }, copy);
        Assert.Equal(status.SearchValues, copy.SearchValues);
        Assert.Equal(result with { FinalAllocation = copy.Result!.FinalAllocation }, copy.Result);
        Assert.Equal(0.75, copy.Result.MetricValue("test_accuracy"));
        Assert.Equal(1, sweep.Count(TrialState.Completed));
    }

    [Fact]
    public void FeedAndCluster_RoundTrip()
    {
        var events = RoundTrip(new SweepEvents { Events = [new SweepEvent { Sequence = 5, StateChange = new TrialStatus { TrialId = "t" } }], LastSequence = 5, Gap = true });
        Assert.Equal(5, events.Events.Single().Sequence);
        Assert.Equal("t", events.Events.Single().StateChange!.TrialId);
        Assert.True(events.Gap);
        var cluster = RoundTrip(new ClusterStatus { Trainers = [new TrainerInfo { Key = "a/cpu:0", SiloAddress = "s", Trial = "t" }], Queued = 3, Running = 1, Sweeps = ["s"] });
        Assert.Equal("a/cpu:0", cluster.Trainers.Single().Key);
        Assert.Equal((3, 1, "s"), (cluster.Queued, cluster.Running, cluster.Sweeps.Single()));
    }

    [Fact]
    public void Dispatch_RoundTrips()
    {
        var dispatch = new TrialDispatch { TrialId = "s-abc", TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" };
        Assert.Equal(dispatch, RoundTrip(dispatch));
        Assert.Equal(new TrialDispatch { TrialId = "s-abc" }, RoundTrip(new TrialDispatch { TrialId = "s-abc" }));
    }

    [Fact]
    public void ProgressReceiptAndSequence_RoundTrip()
    {
        var receipt = new ProgressReceipt { Accepted = true, StoredSequence = 41, ResendFrom = 37 };
        Assert.Equal(receipt, RoundTrip(receipt));
        Assert.Equal(ProgressReceipt.Stale, RoundTrip(ProgressReceipt.Stale));
        Assert.Equal(9_000_000_000L, RoundTrip(new TrialProgress { TrialId = "t", Sequence = 9_000_000_000L }).Sequence);
    }

    [Fact]
    public void PersistedStates_RoundTrip()
    {
        var experiment = RoundTrip(new ExperimentState
        {
            State = TrialState.Running, Attempt = 3, Trainer = "a/cpu:0@s", StepLosses = [1, 0.5], Rounds = [Round], Attempts = ["attempt 1"], TotalSteps = 10,
        });
        Assert.Equal([1, 0.5], experiment.StepLosses);
        AssertRound(experiment.Rounds.Single());
        Assert.Equal((TrialState.Running, 3, "a/cpu:0@s"), (experiment.State, experiment.Attempt, experiment.Trainer));
        var scheduler = RoundTrip(new SchedulerState { Trainers = { ["a/cpu:0"] = new TrainerRecord { SiloAddress = "s", Trial = "t", Waiting = true } }, Sweeps = ["s"] });
        Assert.Equal("t", scheduler.Trainers["a/cpu:0"].Trial);
    }

    private static void AssertRound(AllocationRoundSummary r)
    {
        Assert.Equal(Round with { Scores = r.Scores, Pruned = r.Pruned, Added = r.Added, RanksAfter = r.RanksAfter }, r);
        Assert.Equal(Round.Scores, r.Scores);
        Assert.Equal(Round.Pruned, r.Pruned);
        Assert.Equal(Round.Added, r.Added);
        Assert.Equal(Round.RanksAfter, r.RanksAfter);
    }
}
