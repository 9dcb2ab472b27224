using System.Collections.Concurrent;
using System.Diagnostics;
using ALoRA.Engine.Diagnostics;
using ALoRA.Engine.Training;

namespace ALoRA.Engine.Tests.Training;

/// <summary>The engine's spans (source <c>ALoRA.Orleans.Engine</c>) on a real ALoRA run of stories260K.</summary>
public sealed class TrainingSpansTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("alora-spans-").FullName;
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ActivityListener _listener;

    public TrainingSpansTests()
    {
        Samples.EnsureTorch();
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "ALoRA.Orleans.Engine",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _spans.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose()
    {
        _listener.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Train_Alora_EmitsOneAllocationRoundSpanPerRound_WithItsNumbers_UnderTheCallersSpan()
    {
        var options = new TrainingOptions
        {
            BatchSize = 16, MaxSteps = 10, LearningRate = 5e-3, EvalEverySteps = 5, MaxSequenceLength = 64, Seed = 5, CheckpointEverySteps = 5,
        };
        var allocation = new AllocationOptions
        {
            Method = AllocationMethod.Alora,
            WarmupBeforeFirstRound = ScheduleLength.Steps(4),
            BetweenRounds = ScheduleLength.Steps(3),
            Rounds = 2,
            ValidationBatchSize = 8,
        };
        using var model = TrainingFixture.Model();
        using var trainer = new SftTrainer(model, TrainingFixture.Data(options), options, Path.Combine(_dir, "ckpt"), allocation);
        using var caller = new ActivitySource("ALoRA.Orleans.Engine.Tests");
        using var callerListener = new ActivityListener
        {
            ShouldListenTo = s => s == caller,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(callerListener);

        TrainingResult result;
        ActivityTraceId traceId;
        using (var attempt = caller.StartActivity("trial.attempt"))
        {
            traceId = attempt!.TraceId;
            result = trainer.Train();
        }

        var spans = _spans.Where(s => s.TraceId == traceId).ToList();
        var train = Assert.Single(spans, s => s.OperationName == "train");
        Assert.Equal("alora", train.GetTagItem(EngineDiagnostics.MethodTag));
        Assert.Equal(10, train.GetTagItem(EngineDiagnostics.TotalStepsTag));
        Assert.Equal(0, train.GetTagItem(EngineDiagnostics.ResumedFromStepTag));
        Assert.Equal(10, train.GetTagItem(EngineDiagnostics.StepTag));

        var rounds = spans.Where(s => s.OperationName == "allocation.round").OrderBy(s => (int)s.GetTagItem("alora.round")!).ToList();
        Assert.Equal(result.AllocationRounds, rounds.Count);
        Assert.Equal(new[] { 1, 2 }, rounds.Select(r => (int)r.GetTagItem("alora.round")!));
        Assert.Equal(new[] { 4, 7 }, trainer.State.AllocationHistory.Select(r => r.Step));
        Assert.Equal(trainer.State.AllocationHistory.Select(r => r.Step), rounds.Select(r => (int)r.GetTagItem("alora.step")!));
        foreach (var (span, report) in rounds.Zip(trainer.State.AllocationHistory))
        {
            Assert.Equal(train.SpanId, span.ParentSpanId);
            Assert.Equal(report.Scores.Count, span.GetTagItem("alora.ranks.scored"));
            Assert.Equal(7, span.GetTagItem("alora.ranks.pruned"));
            Assert.Equal(report.Added.Values.Sum(), span.GetTagItem("alora.ranks.added"));
            Assert.Equal(report.RanksAfter.Values.Sum(), span.GetTagItem("alora.ranks.active"));
            Assert.Equal(report.DevLoss, span.GetTagItem("alora.dev_loss"));
            Assert.Equal(report.ScoringSeconds, span.GetTagItem("alora.scoring_seconds"));
            // The round's dev evaluation is inside it.
            Assert.Single(spans, s => s.OperationName == "evaluate" && s.ParentSpanId == span.SpanId);
        }

        // Dev evaluations at steps 5 and 10 and the final test evaluation, directly under train; checkpoints at 5 and 10.
        var evaluations = spans.Where(s => s.OperationName == "evaluate" && s.ParentSpanId == train.SpanId).ToList();
        Assert.Equal(new[] { ("dev", 5), ("dev", 10), ("test", 10) }, evaluations.Select(e => ((string)e.GetTagItem("alora.split")!, (int)e.GetTagItem("alora.step")!)));
        Assert.Equal(result.TestLoss, evaluations[^1].GetTagItem("alora.loss"));
        Assert.Equal(new[] { 5, 10 }, spans.Where(s => s.OperationName == "checkpoint").Select(s => (int)s.GetTagItem("alora.step")!));
    }

    [Fact]
    public void Train_Alora_RoundAtAnEvaluationStep_EvaluatesDevOnce_AndOtherRoundsComputeTheLossOnly()
    {
        var options = new TrainingOptions { BatchSize = 16, MaxSteps = 8, LearningRate = 5e-3, EvalEverySteps = 4, MaxSequenceLength = 64, Seed = 5 };
        var allocation = new AllocationOptions
        {
            Method = AllocationMethod.Alora,
            WarmupBeforeFirstRound = ScheduleLength.Steps(3),
            BetweenRounds = ScheduleLength.Steps(1),
            Rounds = 2,
            ValidationBatchSize = 8,
        };
        using var model = TrainingFixture.Model();
        using var trainer = new SftTrainer(model, TrainingFixture.Data(options), options, allocation: allocation);
        var events = new List<TrainingEvent>();
        using var caller = new ActivitySource("ALoRA.Orleans.Engine.Tests.Rounds");
        using var callerListener = new ActivityListener
        {
            ShouldListenTo = s => s == caller,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(callerListener);
        ActivityTraceId traceId;
        using (var attempt = caller.StartActivity("trial.attempt"))
        {
            traceId = attempt!.TraceId;
            trainer.Train(new SynchronousProgress<TrainingEvent>(events.Add));
        }

        // This run's spans only: other tests' runs report to the same listener.
        var spans = _spans.Where(s => s.TraceId == traceId && s.OperationName == "evaluate" && (string?)s.GetTagItem(EngineDiagnostics.SplitTag) == "dev").ToList();
        Assert.Equal(new[] { 3, 4 }, trainer.State.AllocationHistory.Select(r => r.Step));

        // Step 3: a round and no evaluation; the round computes the dev loss only (no accuracy).
        var step3 = Assert.Single(spans, s => (int)s.GetTagItem(EngineDiagnostics.StepTag)! == 3);
        Assert.Null(step3.GetTagItem(EngineDiagnostics.MetricTag));

        // Step 4: a round and an evaluation: one full dev evaluation, whose loss the round and the evaluation both report.
        var step4 = Assert.Single(spans, s => (int)s.GetTagItem(EngineDiagnostics.StepTag)! == 4);
        Assert.NotNull(step4.GetTagItem(EngineDiagnostics.MetricTag));
        var evaluation = Assert.Single(events, e => e.Kind == TrainingEventKind.Evaluation && e.Step == 4);
        Assert.Equal(trainer.State.AllocationHistory[1].DevLoss, evaluation.DevLoss);
        Assert.Equal(step4.GetTagItem(EngineDiagnostics.MetricTag), evaluation.Metric);
        Assert.True(events.FindIndex(e => e.Kind == TrainingEventKind.AllocationRound && e.Step == 4) < events.IndexOf(evaluation), "the round is reported before the evaluation");
    }
}
