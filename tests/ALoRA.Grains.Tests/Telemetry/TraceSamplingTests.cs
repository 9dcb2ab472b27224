using System.Diagnostics;
using System.Reflection;
using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Diagnostics;
using ALoRA.Grains.Tests.Cluster;
using ALoRA.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Spans = ALoRA.Abstractions.Diagnostics.AloraTelemetry.Spans;

namespace ALoRA.Grains.Tests.Telemetry;

/// <summary>
/// What the tracer provider of the silo and the CLI (<see cref="AloraTelemetryExtensions.AddAloraTracing"/>, sampled by
/// <see cref="AloraTraceSampler"/>) exports: traces start only at ALoRA's spans, never at heartbeats or watch polls, and
/// progress reports leave no spans.
/// </summary>
[Collection(TracingCollection.Name)]
public sealed class TraceSamplingTests
{
    private const int Steps = 40;
    private static readonly ActivitySource Client = new(AloraTelemetry.ClientSource);

    public static TheoryData<string> AloraSpanNames() => new(
        typeof(Spans).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!));

    [Theory]
    [MemberData(nameof(AloraSpanNames))]
    public void ShouldSample_AnAloraSpanWithoutParent_StartsATrace(string name) =>
        Assert.Equal(SamplingDecision.RecordAndSample, Decide(name, default));

    [Theory]
    [InlineData("ITrainerGrain/StartAsync")]
    [InlineData("ISchedulerGrain/RegisterTrainersAsync")]
    [InlineData("ISweepCoordinatorGrain/WatchAsync")]
    [InlineData("IAsyncEnumerableGrainExtension/MoveNext")]
    [InlineData("ISweepCoordinatorGrain/GetStatusAsync")]
    [InlineData("activate grain")]
    public void ShouldSample_AnOrleansSpanWithoutParent_IsDropped(string name) =>
        Assert.Equal(SamplingDecision.Drop, Decide(name, default));

    [Theory]
    [InlineData("ISchedulerGrain/AttemptEndedAsync", true, SamplingDecision.RecordAndSample)]
    [InlineData(Spans.Train, true, SamplingDecision.RecordAndSample)]
    [InlineData("ISchedulerGrain/AttemptEndedAsync", false, SamplingDecision.Drop)]
    [InlineData(Spans.Train, false, SamplingDecision.Drop)]
    [InlineData("IExperimentGrain/ReportProgressAsync", true, SamplingDecision.Drop)]
    [InlineData("ISweepCoordinatorGrain/PublishAsync", true, SamplingDecision.Drop)]
    public void ShouldSample_ASpanWithAParent_FollowsIt_ExceptProgressCalls(string name, bool parentSampled, SamplingDecision expected)
    {
        var parent = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), parentSampled ? ActivityTraceFlags.Recorded : ActivityTraceFlags.None);
        Assert.Equal(expected, Decide(name, parent));
    }

    [Fact]
    public async Task SweepWatchedByPolling_ExportsNoHeartbeatOrPollTraces_NoProgressSpans_AndOneTracePerTrial()
    {
        var exported = new ExportedSpans();
        using var provider = Sdk.CreateTracerProviderBuilder().AddAloraTracing().AddProcessor(new SimpleActivityExportProcessor(exported)).Build();
        var engine = new FakeTrainingEngine { Steps = Steps, CheckpointEvery = Steps / 2 };
        await using var h = await ClusterHarness.StartAsync(engine: engine, tracing: true);

        ActivityTraceId submitTrace;
        using (var submit = Client.StartActivity(Spans.Submit, ActivityKind.Client))
        {
            Assert.NotNull(submit);
            submitTrace = submit.TraceId;
            await h.Sweep("sampled").SubmitAsync(Specs.Parsed(Specs.Grid("sampled", seeds: 1)));
        }

        // Follow it as `alora watch` does: the feed stream and status calls, with no span around them.
        var polls = 0;
        var status = await h.WaitForAsync(
            async () =>
            {
                polls++;
                await using (var pages = h.Sweep("sampled").WatchAsync(0).GetAsyncEnumerator())
                {
                    await pages.MoveNextAsync();
                }

                return await h.Sweep("sampled").GetStatusAsync();
            },
            s => s.State == SweepState.Completed,
            what: "the sweep to complete");
        var finishedAt = DateTimeOffset.UtcNow;
        // Heartbeats go on (every 500 ms): wait until every trainer has announced itself again since.
        await h.WaitForAsync(() => h.Scheduler.GetClusterStatusAsync(), c => c.Trainers.All(t => t.LastSeen > finishedAt), what: "a heartbeat after the sweep");
        await SpanCollector.WaitForAsync(() => exported.All.Count(s => s.OperationName == Spans.TrialAttempt) == 4, "the four attempt spans to be exported");
        var spans = exported.All;
        Assert.True(polls > 1, $"{polls} polls");

        // Every trace starts at an ALoRA span: no Orleans call (heartbeat, poll, request for work) starts one.
        var roots = spans.Where(s => s.ParentSpanId == default).ToList();
        Assert.All(roots, r => Assert.StartsWith("ALoRA.Orleans.", r.Source.Name, StringComparison.Ordinal));
        Assert.Equal(
            new[] { Spans.Submit }.Concat(Enumerable.Repeat(Spans.SchedulerDispatch, 4)).Order(StringComparer.Ordinal),
            roots.Select(r => r.OperationName).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(spans, s => s.OperationName.Contains("ReportProgress", StringComparison.Ordinal) || s.OperationName.Contains("PublishAsync", StringComparison.Ordinal));
        string[] untraced = ["WatchAsync", "StartEnumeration", "MoveNext", "RegisterTrainersAsync"];
        Assert.DoesNotContain(spans, s => untraced.Any(u => s.OperationName.Contains(u, StringComparison.Ordinal)));

        var submission = spans.Where(s => s.TraceId == submitTrace).ToList();
        Assert.DoesNotContain(submission, s => s.OperationName is Spans.SchedulerDispatch or Spans.TrialAttempt || s.Source.Name == AloraTelemetry.EngineSource);
        Assert.All(submission, s => Assert.True(s.ParentSpanId == default || submission.Any(p => p.SpanId == s.ParentSpanId), $"{s.OperationName}'s parent was not exported"));
        foreach (var trial in status.Trials)
        {
            var root = Assert.Single(roots, r => Equals(r.GetTagItem(AloraTelemetry.Tags.TrialId), trial.TrialId));
            Assert.Equal(submitTrace, Assert.Single(root.Links).Context.TraceId);
            var trace = spans.Where(s => s.TraceId == root.TraceId).ToList();
            Assert.Contains(trace, s => s.OperationName == Spans.TrialAttempt);
            Assert.Contains(trace, s => s.OperationName == Spans.Train);
            Assert.All(trace, s => Assert.True(s == root || trace.Any(p => p.SpanId == s.ParentSpanId), $"{s.OperationName}'s parent was not exported"));
            // Steps leave no spans: the trial's trace is far smaller than its step count.
            Assert.True(trace.Count < Steps, $"{trace.Count} spans in the trace of a {Steps}-step trial: {string.Join(", ", trace.Select(s => s.OperationName))}");
        }
    }

    private static SamplingDecision Decide(string name, ActivityContext parent) =>
        new AloraTraceSampler().ShouldSample(new SamplingParameters(parent, parent == default ? ActivityTraceId.CreateRandom() : parent.TraceId, name, ActivityKind.Internal)).Decision;
}
