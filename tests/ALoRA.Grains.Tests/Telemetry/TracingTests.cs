using System.Diagnostics;
using ALoRA.Abstractions.Diagnostics;
using ALoRA.Abstractions.Trials;
using ALoRA.Grains.Tests.Cluster;
using Spans = ALoRA.Abstractions.Diagnostics.AloraTelemetry.Spans;
using Tags = ALoRA.Abstractions.Diagnostics.AloraTelemetry.Tags;

namespace ALoRA.Grains.Tests.Telemetry;

/// <summary>
/// Traces on an in-process cluster with activity propagation on the silos and the client: a trial is one trace from the
/// client's <c>alora.submit</c> span to its result, across grains, silos, the device thread and a failover.
/// </summary>
public sealed class TracingTests
{
    private static readonly ActivitySource Client = new(AloraTelemetry.ClientSource);

    [Fact]
    public async Task Submit_FromATracedClient_EveryTrialIsOneTraceFromSubmitToResult()
    {
        using var spans = new SpanCollector();
        await using var h = await ClusterHarness.StartAsync(tracing: true);

        var traceId = await SubmitTracedAsync(h, "traced", Specs.Grid("traced", seeds: 1));
        var status = await h.WaitForSweepAsync("traced");
        Assert.Equal(4, status.Trials.Count);
        // An attempt's span ends after the trainer's last calls (result, release), shortly after the trial completes.
        await SpanCollector.WaitForAsync(
            () => status.Trials.All(t => spans.Named(Spans.TrialAttempt, t.TrialId).Any(spans.IsStopped)), "the attempt spans to end");

        var trace = spans.InTrace(traceId);
        var sweep = Assert.Single(trace, a => a.OperationName == Spans.SweepSubmit);
        Assert.Equal("traced", sweep.GetTagItem(Tags.SweepId));
        Assert.Equal(4, sweep.GetTagItem(Tags.TrialCount));
        Assert.Single(trace, a => a.OperationName == Spans.SchedulerEnqueue);
        // Orleans' own spans of the grain calls are in the trace too (activity propagation on client and silos).
        Assert.Contains(trace, a => a.Source.Name == AloraTelemetry.OrleansApplicationSource && a.OperationName.Contains("SubmitAsync", StringComparison.Ordinal));

        foreach (var trial in status.Trials)
        {
            var initialize = Assert.Single(spans.Named(Spans.ExperimentInitialize, trial.TrialId));
            var dispatch = Assert.Single(spans.Named(Spans.SchedulerDispatch, trial.TrialId));
            var begin = Assert.Single(spans.Named(Spans.ExperimentBeginAttempt, trial.TrialId));
            var complete = Assert.Single(spans.Named(Spans.ExperimentComplete, trial.TrialId));
            var attempt = Assert.Single(spans.Named(Spans.TrialAttempt, trial.TrialId));
            var train = Assert.Single(spans.Started, a => a.Source.Name == AloraTelemetry.EngineSource && a.ParentSpanId == attempt.SpanId);
            Assert.All(new[] { initialize, dispatch, begin, complete, attempt, train }, a => Assert.Equal(traceId, a.TraceId));

            // The attempt hangs off the trial's first span (its stored trace parent); the engine's span off the attempt,
            // although it ran on the device thread.
            Assert.Equal(initialize.SpanId, attempt.ParentSpanId);
            Assert.Equal(Spans.Train, train.OperationName);
            Assert.Equal(1, attempt.GetTagItem(Tags.Attempt));
            Assert.Equal("completed", attempt.GetTagItem(Tags.Outcome));
            Assert.Equal(0, attempt.GetTagItem(Tags.ResumedFromStep));
            Assert.Equal(trial.Trainer!.Split('@')[0], attempt.GetTagItem(Tags.Trainer));
            Assert.Matches("^cpu:[01]$", (string)attempt.GetTagItem(Tags.Device)!);
            Assert.Equal(trial.Method, attempt.GetTagItem(Tags.Method));
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
        var traceId = await SubmitTracedAsync(h, "traced-kill", Specs.Grid("traced-kill", seeds: 1, learningRates: 1, loraOnly: true));
        var running = await h.WaitForAsync(() => h.Sweep("traced-kill").GetStatusAsync(), s => s.Trials[0].Step == 5, what: "step 5");
        var trialId = running.Trials[0].TrialId;
        var victim = h.Cluster.Silos.Single(s => running.Trials[0].Trainer!.StartsWith(s.Name + "/", StringComparison.Ordinal));

        await h.Cluster.KillSiloAsync(victim);
        var done = await h.WaitForSweepAsync("traced-kill", timeout: TimeSpan.FromSeconds(60));
        hold.Set();
        Assert.Equal(2, done.Trials[0].Attempt);
        await SpanCollector.WaitForAsync(
            () => spans.Named(Spans.TrialAttempt, trialId).Any(a => Equals(a.GetTagItem(Tags.Attempt), 2) && spans.IsStopped(a)), "attempt 2's span to end");

        var attempts = spans.Named(Spans.TrialAttempt, trialId).OrderBy(a => (int)a.GetTagItem(Tags.Attempt)!).ToList();
        Assert.Equal(new[] { 1, 2 }, attempts.Select(a => (int)a.GetTagItem(Tags.Attempt)!));
        Assert.All(attempts, a => Assert.Equal(traceId, a.TraceId));
        Assert.Equal(attempts[0].ParentSpanId, attempts[1].ParentSpanId);
        Assert.NotEqual(attempts[0].GetTagItem(Tags.Trainer), attempts[1].GetTagItem(Tags.Trainer));
        Assert.Equal(4, attempts[1].GetTagItem(Tags.ResumedFromStep));
        Assert.Equal("completed", attempts[1].GetTagItem(Tags.Outcome));
        var resumedTrain = Assert.Single(spans.Started, a => a.Source.Name == AloraTelemetry.EngineSource && a.ParentSpanId == attempts[1].SpanId);
        Assert.Equal(traceId, resumedTrain.TraceId);
        // The hand-out of attempt 2, and the scheduler's second dispatch, are in the trace as well.
        Assert.Contains(spans.Named(Spans.ExperimentBeginAttempt, trialId), a => Equals(a.GetTagItem(Tags.Attempt), 2) && a.TraceId == traceId);
        Assert.Equal(2, spans.Named(Spans.SchedulerDispatch, trialId).Count(a => a.TraceId == traceId));
    }

    /// <summary>Submits inside a client-side <c>alora.submit</c> span, as the CLI does; its trace id.</summary>
    private static async Task<ActivityTraceId> SubmitTracedAsync(ClusterHarness h, string sweepId, string spec)
    {
        using var submit = Client.StartActivity(Spans.Submit, ActivityKind.Client);
        Assert.NotNull(submit);
        await h.Sweep(sweepId).SubmitAsync(spec, null);
        return submit.TraceId;
    }
}
