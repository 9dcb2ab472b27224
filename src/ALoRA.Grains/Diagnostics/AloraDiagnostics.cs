using System.Diagnostics;
using ALoRA.Abstractions.Diagnostics;

namespace ALoRA.Grains.Diagnostics;

/// <summary>
/// The grains' activity sources (names in <see cref="AloraTelemetry"/>) and the trace-parent plumbing that keeps each
/// trial in one trace: the experiment stores the W3C id of its first span (<see cref="TraceParentOf"/>) and every later
/// span of the trial, on whatever silo, starts under it (<see cref="StartInTrace"/>).
/// </summary>
internal static class AloraDiagnostics
{
    /// <summary>The sweep coordinator's source.</summary>
    public static ActivitySource Sweep { get; } = new(AloraTelemetry.SweepSource);

    /// <summary>The experiment's source.</summary>
    public static ActivitySource Experiment { get; } = new(AloraTelemetry.ExperimentSource);

    /// <summary>The scheduler's source.</summary>
    public static ActivitySource Scheduler { get; } = new(AloraTelemetry.SchedulerSource);

    /// <summary>The trainer's source.</summary>
    public static ActivitySource Trainer { get; } = new(AloraTelemetry.TrainerSource);

    /// <summary>The W3C trace parent (<c>00-&lt;trace&gt;-&lt;span&gt;-&lt;flags&gt;</c>) of <paramref name="activity"/>, or null.</summary>
    public static string? TraceParentOf(Activity? activity) =>
        activity is { IdFormat: ActivityIdFormat.W3C } ? activity.Id : null;

    /// <summary>
    /// Starts <paramref name="name"/> in the trace of <paramref name="traceParent"/>: as a child of
    /// <see cref="Activity.Current"/> when that is already in this trace (a call made from within the trial's trace)
    /// and <paramref name="nestUnderCurrent"/> allows it, else as a child of <paramref name="traceParent"/>, linked to the
    /// current activity (e.g. a heartbeat that triggered the call). Without a usable trace parent, a child of the current
    /// activity. Null when nobody listens.
    /// </summary>
    public static Activity? StartInTrace(this ActivitySource source, string name, string? traceParent, bool nestUnderCurrent = true)
    {
        if (!source.HasListeners())
        {
            return null;
        }

        var current = Activity.Current;
        if (traceParent is not null
            && ActivityContext.TryParse(traceParent, null, isRemote: true, out var parent)
            && (!nestUnderCurrent || current?.TraceId != parent.TraceId))
        {
            ActivityLink[]? links = current is null ? null : [new ActivityLink(current.Context)];
            return source.StartActivity(name, ActivityKind.Internal, parent, links: links);
        }

        return source.StartActivity(name);
    }

    /// <summary>Marks <paramref name="activity"/> failed with <paramref name="exception"/>.</summary>
    public static void Fail(this Activity? activity, Exception exception)
    {
        activity?.AddException(exception).SetStatus(ActivityStatusCode.Error, exception.Message);
    }
}
