using System.Collections.Concurrent;
using System.Diagnostics;
using ALoRA.Abstractions.Diagnostics;

namespace ALoRA.Grains.Tests.Telemetry;

/// <summary>
/// Captures, in memory, every span of the ALoRA sources and of Orleans' application calls and grain lifecycle started
/// while it lives, sampling all of them (no sampler). Listeners are process-wide, so other tests' spans show up too:
/// filter by trace id or trial id.
/// </summary>
internal sealed class SpanCollector : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<Activity> _started = new();
    private readonly ConcurrentDictionary<Activity, bool> _stopped = new();

    public SpanCollector()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name.StartsWith("ALoRA.Orleans.", StringComparison.Ordinal) || s.Name is AloraTelemetry.OrleansApplicationSource or AloraTelemetry.OrleansLifecycleSource,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = a => _started.Enqueue(a),
            ActivityStopped = a => _stopped[a] = true,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public IReadOnlyList<Activity> Started => [.. _started];

    public IReadOnlyList<Activity> InTrace(ActivityTraceId traceId) => [.. _started.Where(a => a.TraceId == traceId)];

    /// <summary>Spans named <paramref name="name"/>, only those of <paramref name="trialId"/> when given.</summary>
    public IReadOnlyList<Activity> Named(string name, string? trialId = null) =>
        [.. _started.Where(a => a.OperationName == name && (trialId is null || Equals(a.GetTagItem(AloraTelemetry.Tags.TrialId), trialId)))];

    public bool IsStopped(Activity activity) => _stopped.ContainsKey(activity);

    /// <summary>Whether <paramref name="span"/> is a descendant of <paramref name="ancestor"/> through spans captured here.</summary>
    public bool Descends(Activity span, Activity ancestor)
    {
        var bySpanId = _started.Where(a => a.TraceId == span.TraceId).GroupBy(a => a.SpanId).ToDictionary(g => g.Key, g => g.First());
        for (var parent = span.ParentSpanId; parent != default && bySpanId.TryGetValue(parent, out var next); parent = next.ParentSpanId)
        {
            if (next.SpanId == ancestor.SpanId)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Waits (polling, 10 s at most) until <paramref name="condition"/> holds.</summary>
    public static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(20);
        }
    }

    public void Dispose() => _listener.Dispose();
}
