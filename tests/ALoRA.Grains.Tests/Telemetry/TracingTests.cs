using System.Diagnostics;
using ALoRA.Abstractions.Diagnostics;
using ALoRA.Grains.Tests.Cluster;
using Spans = ALoRA.Abstractions.Diagnostics.AloraTelemetry.Spans;
using Tags = ALoRA.Abstractions.Diagnostics.AloraTelemetry.Tags;

namespace ALoRA.Grains.Tests.Telemetry;

/// <summary>
/// Traces on an in-process cluster with activity propagation on the silos and the client: the submission is one small
/// trace (client's <c>alora.submit</c>, coordinator, experiments' initialisation, enqueue), and each trial is a trace of
/// its own, rooted at its first dispatch and linked to the submission, that every attempt continues across grains,
/// silos, the device thread and a failover.
/// </summary>
[Collection(TracingCollection.Name)]
public sealed class TracingTests
{
    private static readonly ActivitySource Client = new(AloraTelemetry.ClientSource);

    [Fact]
    public async Task Submit_FromATracedClient_EachTrialIsATraceOfItsOwn_LinkedToTheSubmission()
    {
        using var spans = new SpanCollector();
        await using var h = await ClusterHarness.StartAsync(tracing: true);

        var submitTrace = await SubmitTracedAsync(h, "traced", Specs.Grid("traced", seeds: 1));
        var status = await h.WaitForSweepAsync("traced");
        Assert.Equal(4, status.Trials.Count);
        // An attempt's span ends after the trainer's last calls (result, release), shortly after the trial completes.
        await SpanCollector.WaitForAsync(
            () => status.Trials.All(t => spans.Named(Spans.TrialAttempt, t.TrialId).Any(spans.IsStopped)), "the attempt spans to end");

        // The submission's trace: the coordinator, the four initialisations and the enqueue; no trial runs in it.
        var submission = spans.InTrace(submitTrace);
        var sweep = Assert.Single(submission, a => a.OperationName == Spans.SweepSubmit);
        Assert.Equal("traced", sweep.GetTagItem(Tags.SweepId));
        Assert.Equal(4, sweep.GetTagItem(Tags.TrialCount));
        var enqueue = Assert.Single(submission, a => a.OperationName == Spans.SchedulerEnqueue);
        Assert.Equal(4, submission.Count(a => a.OperationName == Spans.ExperimentInitialize));
        // Orleans' own spans of the grain calls are in the trace too (activity propagation on client and silos).
        Assert.Contains(submission, a => a.Source.Name == AloraTelemetry.OrleansApplicationSource && a.OperationName.Contains("SubmitAsync", StringComparison.Ordinal));
        Assert.DoesNotContain(submission, a => a.OperationName is Spans.SchedulerDispatch or Spans.TrialAttempt or Spans.ExperimentBeginAttempt or Spans.ExperimentComplete);
        Assert.DoesNotContain(submission, a => a.Source.Name == AloraTelemetry.EngineSource);

        var trialTraces = new HashSet<ActivityTraceId>();
        foreach (var trial in status.Trials)
        {
            var initialize = Assert.Single(spans.Named(Spans.ExperimentInitialize, trial.TrialId));
            var dispatch = Assert.Single(spans.Named(Spans.SchedulerDispatch, trial.TrialId));
            var begin = Assert.Single(spans.Named(Spans.ExperimentBeginAttempt, trial.TrialId));
            var complete = Assert.Single(spans.Named(Spans.ExperimentComplete, trial.TrialId));
            var attempt = Assert.Single(spans.Named(Spans.TrialAttempt, trial.TrialId));
            var train = Assert.Single(spans.Started, a => a.Source.Name == AloraTelemetry.EngineSource && a.ParentSpanId == attempt.SpanId);
            Assert.Equal(submitTrace, initialize.TraceId);

            // The trial's trace starts at its first dispatch, a root linked to the enqueue of its submission.
            Assert.Equal(default, dispatch.ParentSpanId);
            Assert.NotEqual(submitTrace, dispatch.TraceId);
            Assert.True(trialTraces.Add(dispatch.TraceId), "two trials share a trace");
            var link = Assert.Single(dispatch.Links);
            Assert.Equal((submitTrace, enqueue.SpanId), (link.Context.TraceId, link.Context.SpanId));

            // The attempt hangs off the trial's root; its hand-out and its result nest under it; the engine's span too,
            // although it ran on the device thread.
            Assert.All(new[] { begin, complete, attempt, train }, a => Assert.Equal(dispatch.TraceId, a.TraceId));
            Assert.Equal(dispatch.SpanId, attempt.ParentSpanId);
            Assert.True(spans.Descends(begin, attempt), "the hand-out is not inside the attempt's span");
            Assert.True(spans.Descends(complete, attempt), "the result is not inside the attempt's span");
            Assert.Equal(Spans.Train, train.OperationName);
            Assert.Equal(1, attempt.GetTagItem(Tags.Attempt));
            Assert.Equal("completed", attempt.GetTagItem(Tags.Outcome));
            Assert.Equal(0, attempt.GetTagItem(Tags.ResumedFromStep));
            Assert.Equal(trial.Trainer!.Split('@')[0], attempt.GetTagItem(Tags.Trainer));
            Assert.Matches("^cpu:[01]$", (string)attempt.GetTagItem(Tags.Device)!);
            Assert.Equal(trial.Method, attempt.GetTagItem(Tags.Method));

            // Every span of the trial's trace descends from its root.
            Assert.All(spans.InTrace(dispatch.TraceId), a => Assert.True(a == dispatch || spans.Descends(a, dispatch), $"{a.OperationName} is cut off from the trial's root"));
        }
    }

    [Fact]
    public async Task KillSilo_TheResumedAttempt_ContinuesTheTrialsTrace()
    {
        using var spans = new SpanCollector();
        var engine = new FakeTrainingEngine { Steps = 12, CheckpointEvery = 2 };
        using var hold = new ManualResetEventSlim(false);
        engine.BeforeStep = (_, attempt, step) =>
        {
            if (attempt == 1 && step == 6)
            {
                hold.Wait(TimeSpan.FromSeconds(30)); // attempt 1 stops after its step-4 checkpoint and step 5
            }
        };
        await using var h = await ClusterHarness.StartAsync(engine: engine, tracing: true);
        var submitTrace = await SubmitTracedAsync(h, "traced-kill", Specs.Grid("traced-kill", seeds: 1, learningRates: 1, loraOnly: true));
        var running = await h.WaitForAsync(() => h.Sweep("traced-kill").GetStatusAsync(), s => s.Trials[0].Step == 5, what: "step 5");
        var trialId = running.Trials[0].TrialId;
        var victim = h.Cluster.Silos.Single(s => running.Trials[0].Trainer!.StartsWith(s.Name + "/", StringComparison.Ordinal));

        await h.Cluster.KillSiloAsync(victim);
        var done = await h.WaitForSweepAsync("traced-kill", timeout: TimeSpan.FromSeconds(60));
        hold.Set();
        Assert.Equal(2, done.Trials[0].Attempt);
        await SpanCollector.WaitForAsync(
            () => spans.Named(Spans.TrialAttempt, trialId).Any(a => Equals(a.GetTagItem(Tags.Attempt), 2) && spans.IsStopped(a)), "attempt 2's span to end");

        // Both dispatches and both attempts are in the trial's trace, under its first dispatch; none in the submission's.
        var dispatches = spans.Named(Spans.SchedulerDispatch, trialId);
        Assert.Equal(2, dispatches.Count);
        var root = Assert.Single(dispatches, d => d.ParentSpanId == default);
        Assert.Equal(submitTrace, Assert.Single(root.Links).Context.TraceId);
        Assert.All(dispatches, d => Assert.Equal(root.TraceId, d.TraceId));
        Assert.Equal(root.SpanId, Assert.Single(dispatches, d => d != root).ParentSpanId);

        var attempts = spans.Named(Spans.TrialAttempt, trialId).OrderBy(a => (int)a.GetTagItem(Tags.Attempt)!).ToList();
        Assert.Equal(new[] { 1, 2 }, attempts.Select(a => (int)a.GetTagItem(Tags.Attempt)!));
        Assert.All(attempts, a => Assert.Equal(root.TraceId, a.TraceId));
        Assert.All(attempts, a => Assert.Equal(root.SpanId, a.ParentSpanId));
        Assert.NotEqual(attempts[0].GetTagItem(Tags.Trainer), attempts[1].GetTagItem(Tags.Trainer));
        Assert.Equal(4, attempts[1].GetTagItem(Tags.ResumedFromStep));
        Assert.Equal("completed", attempts[1].GetTagItem(Tags.Outcome));
        var resumedTrain = Assert.Single(spans.Started, a => a.Source.Name == AloraTelemetry.EngineSource && a.ParentSpanId == attempts[1].SpanId);
        Assert.Equal(root.TraceId, resumedTrain.TraceId);
        // The hand-out of attempt 2 is in the trace as well, inside attempt 2's span.
        var begin2 = Assert.Single(spans.Named(Spans.ExperimentBeginAttempt, trialId), a => Equals(a.GetTagItem(Tags.Attempt), 2));
        Assert.True(spans.Descends(begin2, attempts[1]), "attempt 2's hand-out is not inside its span");
        Assert.DoesNotContain(spans.InTrace(submitTrace), a => a.OperationName is Spans.SchedulerDispatch or Spans.TrialAttempt);
    }

    /// <summary>Submits inside a client-side <c>alora.submit</c> span, as the CLI does; its trace id.</summary>
    private static async Task<ActivityTraceId> SubmitTracedAsync(ClusterHarness h, string sweepId, string spec)
    {
        using var submit = Client.StartActivity(Spans.Submit, ActivityKind.Client);
        Assert.NotNull(submit);
        await h.Sweep(sweepId).SubmitAsync(Specs.Parsed(spec));
        return submit.TraceId;
    }
}
