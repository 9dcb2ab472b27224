using System.Collections.Immutable;
using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Trials;

namespace ALoRA.Cli.Tests.InProcess;

/// <summary>Sweep and trial states for the fake cluster.</summary>
internal static class Samples
{
    public static readonly DateTimeOffset Submitted = new(2026, 3, 4, 5, 6, 0, TimeSpan.Zero);

    public static TrialStatus Trial(string sweepId, int index, TrialState state, string? id = null, string method = "alora") => new()
    {
        TrialId = id ?? $"{sweepId}-{index:D3}",
        SweepId = sweepId,
        Index = index,
        Method = method,
        Seed = 40 + index,
        SearchValues = new(StringComparer.Ordinal) { ["method"] = method, ["training.learning_rate"] = "0.001" },
        State = state,
        Attempt = state == TrialState.Queued ? 0 : 1,
        Trainer = state == TrialState.Queued ? null : "cpu:0@silo-1",
        Step = state == TrialState.Completed ? 60 : state == TrialState.Running ? 30 : 0,
        TotalSteps = 60,
        Loss = state == TrialState.Queued ? null : 0.5 + index,
        DevLoss = state == TrialState.Completed ? 0.25 : null,
        Rounds = 2,
        RanksMoved = 7,
        Error = state == TrialState.Failed ? "out of memory" : null,
        Result = state == TrialState.Completed
            ? new TrialResult { Method = method, DevMetric = 0.75, TestMetric = 0.7 + (index / 100.0), DevLoss = 0.25, TestLoss = 0.3, InitialTrainableParameters = 1000, FinalTrainableParameters = 800, Steps = 60, WallSeconds = 12, TokensPerSecond = 3000 }
            : null,
    };

    public static SweepStatus Sweep(string sweepId, SweepState state, params TrialStatus[] trials) => new()
    {
        SweepId = sweepId,
        Name = sweepId,
        State = state,
        Metric = "test_accuracy",
        Mode = "max",
        SubmittedAt = Submitted,
        Trials = [.. trials],
    };

    public static SweepEvent Change(long sequence, TrialStatus status) => new() { Sequence = sequence, StateChange = status };

    public static SweepEvent Step(long sequence, string trialId, int step) =>
        new() { Sequence = sequence, Progress = new TrialProgress { TrialId = trialId, Attempt = 1, Kind = TrialProgressKind.Step, Step = step, TotalSteps = 60, Loss = 1.5 } };

    public static ImmutableList<T> List<T>(params T[] items) => [.. items];
}
