using ALoRA.Abstractions.Diagnostics;
using ALoRA.Engine.Diagnostics;

namespace ALoRA.Grains.Tests.Telemetry;

/// <summary>The engine repeats the shared telemetry names (it does not reference the abstractions); they must agree.</summary>
public sealed class TelemetryNamesTests
{
    [Fact]
    public void EngineDiagnostics_UseTheSharedNames()
    {
        Assert.Equal(AloraTelemetry.EngineSource, EngineDiagnostics.SourceName);
        Assert.Equal(AloraTelemetry.EngineSource, EngineDiagnostics.Source.Name);
        Assert.Equal(
            new[] { AloraTelemetry.Spans.Load, AloraTelemetry.Spans.Train, AloraTelemetry.Spans.AllocationRound, AloraTelemetry.Spans.Evaluate, AloraTelemetry.Spans.Checkpoint },
            new[] { EngineDiagnostics.LoadSpan, EngineDiagnostics.TrainSpan, EngineDiagnostics.AllocationRoundSpan, EngineDiagnostics.EvaluateSpan, EngineDiagnostics.CheckpointSpan });
        Assert.Equal(
            new[]
            {
                AloraTelemetry.Tags.Method, AloraTelemetry.Tags.Step, AloraTelemetry.Tags.TotalSteps, AloraTelemetry.Tags.ResumedFromStep,
                AloraTelemetry.Tags.Round, AloraTelemetry.Tags.RanksScored, AloraTelemetry.Tags.RanksPruned, AloraTelemetry.Tags.RanksAdded,
                AloraTelemetry.Tags.ActiveRanks, AloraTelemetry.Tags.DevLoss, AloraTelemetry.Tags.ScoringSeconds, AloraTelemetry.Tags.Split,
                AloraTelemetry.Tags.Loss, AloraTelemetry.Tags.Metric,
            },
            new[]
            {
                EngineDiagnostics.MethodTag, EngineDiagnostics.StepTag, EngineDiagnostics.TotalStepsTag, EngineDiagnostics.ResumedFromStepTag,
                EngineDiagnostics.RoundTag, EngineDiagnostics.RanksScoredTag, EngineDiagnostics.RanksPrunedTag, EngineDiagnostics.RanksAddedTag,
                EngineDiagnostics.ActiveRanksTag, EngineDiagnostics.DevLossTag, EngineDiagnostics.ScoringSecondsTag, EngineDiagnostics.SplitTag,
                EngineDiagnostics.LossTag, EngineDiagnostics.MetricTag,
            });
    }

    [Theory]
    [InlineData(AloraTelemetry.ClientSource)]
    [InlineData(AloraTelemetry.SweepSource)]
    [InlineData(AloraTelemetry.ExperimentSource)]
    [InlineData(AloraTelemetry.SchedulerSource)]
    [InlineData(AloraTelemetry.TrainerSource)]
    [InlineData(AloraTelemetry.EngineSource)]
    public void AllSources_MatchesEverySource(string source) =>
        Assert.StartsWith(AloraTelemetry.AllSources.TrimEnd('*'), source, StringComparison.Ordinal);
}
