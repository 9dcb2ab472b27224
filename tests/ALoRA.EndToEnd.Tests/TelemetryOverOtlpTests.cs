using System.Diagnostics;
using System.Reflection;
using ALoRA.Abstractions.Diagnostics;
using ALoRA.EndToEnd.Tests.Telemetry;
using OpenTelemetry.Proto.Metrics.V1;
using Xunit.Abstractions;
using I = ALoRA.Abstractions.Diagnostics.AloraTelemetry.Instruments;
using Kind = OpenTelemetry.Proto.Metrics.V1.Metric.DataOneofCase;
using Spans = ALoRA.Abstractions.Diagnostics.AloraTelemetry.Spans;
using T = ALoRA.Abstractions.Diagnostics.AloraTelemetry.MetricTags;
using Tags = ALoRA.Abstractions.Diagnostics.AloraTelemetry.Tags;

namespace ALoRA.EndToEnd.Tests;

/// <summary>
/// Issue 10: telemetry checked over the wire. A real <c>alora-silo</c> process and the <c>alora</c> CLI (<c>submit</c>,
/// then <c>watch</c>) export over OTLP/gRPC, by the standard <c>OTEL_*</c> variables, to an OTLP receiver hosted by the
/// test (<see cref="OtlpReceiver"/>); the test reads what arrived: the submission is one small trace, each trial a trace
/// of its own linked to it, with intact parents across processes; heartbeats and watch polls start no traces and
/// progress reports leave no spans; the ALoRA instruments arrive with their names, kinds, units and labels, and the
/// per-trial gauges stop once their trials have finished.
/// </summary>
public sealed class TelemetryOverOtlpTests(ITestOutputHelper log) : EndToEndTest(log)
{
    private const int Steps = 40;

    /// <summary>The silo's trainer heartbeat (AloraClusterOptions.HeartbeatInterval's default).</summary>
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(5);

    /// <summary>How each ALoRA instrument must arrive: OTLP data kind, unit, monotonic (sums).</summary>
    private static readonly Dictionary<string, (Kind Kind, string Unit, bool Monotonic)> Exported = new()
    {
        [I.TrainingLoss] = (Kind.Gauge, "", false),
        [I.TokensPerSecond] = (Kind.Histogram, "", false),
        [I.ActiveRanks] = (Kind.Gauge, "", false),
        [I.Trials] = (Kind.Sum, "", false),
        [I.QueueLength] = (Kind.Gauge, "", false),
        [I.DeviceBusy] = (Kind.Sum, "s", true),
        [I.ScoringRound] = (Kind.Histogram, "s", false),
    };

    [Fact]
    public async Task SubmitAndWatch_ExportOverOtlpGrpc_OneTracePerTrial_NoHeartbeatOrPollTraces_InstrumentsAsDeclared()
    {
        await using var otlp = await OtlpReceiver.StartAsync();
        Dictionary<string, string> Otel(string instance) => new()
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
            ["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={instance}",
        };
        var spec = Workspace.WriteSpec("traced.yaml", $$"""
            metric: test_accuracy
            mode: max
            max_concurrent_trials: 2
            seeds: [1]
            method: {grid_search: [lora, alora]}
            lora: {r: 4}
            training: {learning_rate: 5.0e-3, batch_size: 16, max_steps: {{Steps}}, eval_every_steps: 20, checkpoint_every_steps: 20, max_sequence_length: 64, max_dev_examples: 16}
            alora: {k1: 4steps, k2: 4steps, n_rounds: 2, val_batch_size: 8}
            """);

        var clock = Stopwatch.StartNew();
        await using var silo = await SiloProcess.StartAsync("node-otel", SiloPorts.Free(), Workspace.PathOf("silo-data"), Workspace.Root, SiloStart, Otel("silo"));
        var ready = DateTime.UtcNow;
        Log.WriteLine($"[{DateTime.Now:HH:mm:ss}] silo ready after {clock.Elapsed.TotalSeconds:F0} s; OTLP receiver at {otlp.Endpoint}");
        try
        {
            var submit = await Cli(Command, Otel("submit"), "submit", spec, "--gateway", silo.Ports.Gateway, "--format", "json");
            var sweepId = JsonOutput.Document(submit).Str("sweep_id");
            var watch = await Cli(Watch, Otel("watch"), "watch", sweepId, "--gateway", silo.Ports.Gateway, "--format", "json");
            var (_, _, final) = JsonOutput.WatchStream(watch, header: false);
            Assert.Equal("completed", final.Str("state"));
            var trials = final.GetProperty("trials").EnumerateArray().ToDictionary(t => t.Str("trial_id"), t => t.Str("method"));
            Assert.Equal(2, trials.Count);

            // The silo's trainer heartbeat ran at least twice meanwhile (each one a round of grain calls).
            var heartbeats = ready + (2.5 * Heartbeat) - DateTime.UtcNow;
            if (heartbeats > TimeSpan.Zero)
            {
                await Task.Delay(heartbeats);
            }

            // An attempt's span ends (and is exported, batched every 200 ms) just after its trial completes.
            var spans = await WaitForAsync(
                () => otlp.Spans,
                s => trials.Keys.All(id => s.Any(x => x.Name == Spans.TrialAttempt && x.Attribute(Tags.TrialId) == id)),
                "both trials' attempt spans",
                otlp);
            CheckTraces(spans, trials);

            // Metrics are exported every 500 ms: wait for two exports collected after the last attempt ended.
            var ended = spans.Where(s => s.Name == Spans.TrialAttempt).Max(s => s.End);
            var metrics = await WaitForAsync(
                () => otlp.Metrics,
                m => m.Count(x => x.Service == "alora-silo" && x.Name == I.Trials && x.ReceivedAt > ended.AddSeconds(1)) >= 2,
                "two metric exports after the trials ended",
                otlp);
            CheckMetrics(metrics, trials, ended);
            Log.WriteLine($"[{DateTime.Now:HH:mm:ss}] {spans.Count} spans, {metrics.Count} metrics received; done in {clock.Elapsed.TotalSeconds:F0} s");
        }
        finally
        {
            LogSilo(silo);
        }
    }

    private static void CheckTraces(IReadOnlyList<ReceivedSpan> spans, Dictionary<string, string> trials)
    {
        // Traces start only at the submission and at each trial's first dispatch: no heartbeat, request for work, watch
        // poll or status call starts one, and no progress report or feed publish leaves a span.
        var roots = spans.Where(s => s.IsRoot).ToList();
        Assert.True(
            roots.Select(r => r.Name).Order(StringComparer.Ordinal).SequenceEqual(new[] { Spans.Submit, Spans.SchedulerDispatch, Spans.SchedulerDispatch }),
            $"trace roots: {string.Join("; ", roots)}");
        string[] untraced = ["ReportProgressAsync", "PublishAsync", "WatchAsync", "StartEnumeration", "MoveNext", "GetStatusAsync", "RegisterTrainersAsync", "NextAssignmentAsync", "ITrainerGrain/StartAsync"];
        Assert.DoesNotContain(spans, s => untraced.Any(u => s.Name.Contains(u, StringComparison.Ordinal)));
        Assert.DoesNotContain(spans, s => Instance(s.Resource) == "watch"); // it only read the feed stream and status

        // The submission: one small trace from the CLI into the silo, with no trial running in it.
        var submit = Assert.Single(roots, r => r.Name == Spans.Submit);
        Assert.Equal(("alora-cli", "submit"), (submit.Service, Instance(submit.Resource)));
        var submission = spans.Where(s => s.TraceId == submit.TraceId).ToList();
        AssertIntact(submission, submit);
        var sweep = Assert.Single(submission, s => s.Name == Spans.SweepSubmit);
        Assert.Equal("alora-silo", sweep.Service);
        var enqueue = Assert.Single(submission, s => s.Name == Spans.SchedulerEnqueue);
        Assert.Equal(trials.Count, submission.Count(s => s.Name == Spans.ExperimentInitialize));
        Assert.DoesNotContain(submission, s => s.Name is Spans.SchedulerDispatch or Spans.TrialAttempt or Spans.ExperimentBeginAttempt or Spans.Train or Spans.Load);
        Assert.True(submission.Count <= 15 * trials.Count, $"{submission.Count} spans in the submission's trace");

        foreach (var (trialId, method) in trials)
        {
            // The trial's own trace: rooted at its first dispatch, linked to the submission's enqueue.
            var root = Assert.Single(roots, r => r.Attribute(Tags.TrialId) == trialId);
            Assert.Equal(Spans.SchedulerDispatch, root.Name);
            Assert.Equal((submit.TraceId, enqueue.SpanId), Assert.Single(root.Links));
            var trace = spans.Where(s => s.TraceId == root.TraceId).ToList();
            AssertIntact(trace, root);
            Assert.All(trace, s => Assert.True(s.Attribute(Tags.TrialId) is null || s.Attribute(Tags.TrialId) == trialId, $"{s} belongs to another trial"));

            var attempt = Assert.Single(trace, s => s.Name == Spans.TrialAttempt);
            Assert.Equal(root.SpanId, attempt.ParentSpanId);
            Assert.Equal(("1", "completed", method), (attempt.Attribute(Tags.Attempt), attempt.Attribute(Tags.Outcome), attempt.Attribute(Tags.Method)));
            foreach (var name in new[] { Spans.ExperimentBeginAttempt, Spans.Load, Spans.Train, Spans.Evaluate, Spans.Checkpoint, Spans.ExperimentComplete })
            {
                Assert.Contains(trace, s => s.Name == name && Descends(trace, s, attempt));
            }

            Assert.Equal(method == "alora" ? 2 : 0, trace.Count(s => s.Name == Spans.AllocationRound));
            // No span per step: the trace of a 40-step trial is far smaller than its step count.
            Assert.True(trace.Count < Steps, $"{trace.Count} spans in the trace of a {Steps}-step trial: {string.Join(", ", trace.Select(s => s.Name))}");
        }

        Assert.Equal(trials.Count, roots.Where(r => r.Name == Spans.SchedulerDispatch).Select(r => r.TraceId).Distinct().Count());
    }

    private static void CheckMetrics(IReadOnlyList<ReceivedMetric> metrics, Dictionary<string, string> trials, DateTime ended)
    {
        // The watching CLI exported too (its Orleans client's meter): its exporter worked, and it sent no spans.
        Assert.Contains(metrics, m => Instance(m.Resource) == "watch");

        var alora = metrics.Where(m => m.Service == "alora-silo" && m.Meter == AloraTelemetry.MeterName).ToList();
        var declared = typeof(I).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!);
        Assert.Equal(declared.Order(StringComparer.Ordinal), Exported.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(declared.Order(StringComparer.Ordinal), alora.Select(m => m.Name).Distinct().Order(StringComparer.Ordinal));
        foreach (var (name, expected) in Exported)
        {
            var exported = alora.Where(m => m.Name == name).ToList();
            Assert.All(exported, m => Assert.Equal(expected, (m.Kind, m.Unit, m.Monotonic)));
            Assert.All(exported.Where(m => m.Kind is Kind.Sum or Kind.Histogram), m => Assert.Equal(AggregationTemporality.Cumulative, m.Temporality));
            Assert.All(exported.SelectMany(m => m.Points), p => Assert.Equal(T.Of(name).Order(StringComparer.Ordinal), p.Keys.Order(StringComparer.Ordinal)));
        }

        // While they trained, each trial's loss was exported (and the alora trial's active ranks); once every attempt had
        // ended, no loss or ranks series was exported any more.
        var points = (string name) => alora.Where(m => m.Name == name).SelectMany(m => m.Points).ToList();
        foreach (var (trialId, method) in trials)
        {
            Assert.Contains(points(I.TrainingLoss), p => p[T.Trial] == trialId && p[T.Method] == method);
            Assert.Equal(method == "alora", points(I.ActiveRanks).Any(p => p[T.Trial] == trialId));
        }

        var late = alora.Where(m => m.ReceivedAt > ended.AddSeconds(1)).ToList();
        Assert.True(late.Count(m => m.Name == I.Trials) >= 2);
        var stale = late.Where(m => m.Name is I.TrainingLoss or I.ActiveRanks && m.Points.Count > 0)
            .Select(m => $"{m.Name} of {string.Join(", ", m.Points.Select(p => p.GetValueOrDefault(T.Trial)))} at {m.ReceivedAt:HH:mm:ss.fff}")
            .ToList();
        Assert.True(stale.Count == 0, $"exported after the last attempt ended ({ended:HH:mm:ss.fff}): {string.Join("; ", stale)}");
        Assert.Contains(late, m => m.Name == I.Trials && m.Points.Any(p => p[T.State] == "completed"));
    }

    /// <summary>Every span's parent arrived too, and every span descends from <paramref name="root"/>.</summary>
    private static void AssertIntact(IReadOnlyList<ReceivedSpan> trace, ReceivedSpan root) =>
        Assert.All(trace, s => Assert.True(s == root || Descends(trace, s, root), $"{s} is cut off from {root}"));

    private static bool Descends(IReadOnlyList<ReceivedSpan> trace, ReceivedSpan span, ReceivedSpan ancestor)
    {
        var bySpanId = trace.GroupBy(s => s.SpanId).ToDictionary(g => g.Key, g => g.First());
        for (var parent = span.ParentSpanId; parent.Length > 0 && bySpanId.TryGetValue(parent, out var next); parent = next.ParentSpanId)
        {
            if (next.SpanId == ancestor.SpanId)
            {
                return true;
            }
        }

        return false;
    }

    private static string? Instance(IReadOnlyDictionary<string, string> resource) => resource.GetValueOrDefault("service.instance.id");

    /// <summary>Waits (30 s at most) until what <paramref name="read"/> returns satisfies <paramref name="condition"/>; fails with what arrived.</summary>
    private static async Task<IReadOnlyList<TItem>> WaitForAsync<TItem>(Func<IReadOnlyList<TItem>> read, Func<IReadOnlyList<TItem>, bool> condition, string what, OtlpReceiver otlp)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var items = read();
            if (condition(items))
            {
                return items;
            }

            if (DateTime.UtcNow > deadline)
            {
                var spans = otlp.Spans.GroupBy(s => $"{s.Service}: {s.Name}").Select(g => $"{g.Key} x{g.Count()}");
                var metrics = otlp.Metrics.GroupBy(m => $"{m.Service}: {m.Name}").Select(g => $"{g.Key} x{g.Count()}");
                throw new Xunit.Sdk.XunitException($"{what} did not arrive within 30 s.\nspans: {string.Join(", ", spans)}\nmetrics: {string.Join(", ", metrics)}");
            }

            await Task.Delay(200);
        }
    }

    private async Task<CliResult> Cli(TimeSpan timeout, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var result = await AloraCli.RunAsync(Workspace.Root, timeout, environment, args);
        Log.WriteLine($"[{DateTime.Now:HH:mm:ss}] alora {result.CommandLine} -> {result.ExitCode} in {result.Elapsed.TotalSeconds:F1} s");
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }
}
