using System.Diagnostics;
using ALoRA.Abstractions.Diagnostics;

namespace ALoRA.Grains.Diagnostics;

/// <summary>
/// The grains' activity sources (names in <see cref="AloraTelemetry"/>) and the trace-parent plumbing that keeps each
/// trial in one trace of its own: the scheduler starts it at the trial's first dispatch (<see cref="StartRoot"/>, linked
/// to the submission), persists its W3C id (<see cref="TraceParentOf"/>) and hands it out with every dispatch, and every
/// later span of the trial, on whatever silo, starts under it (<see cref="StartInTrace"/>). Work that belongs to no
/// trial (a trainer asking for work) runs outside any trace (<see cref="LeaveTrace"/>).
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

    /// <summary>
    /// Starts <paramref name="name"/> as the root of a new trace, whatever activity is current, with a link to
    /// <paramref name="linkTo"/> (a W3C id, e.g. the span that queued the work) when given. The new span becomes current;
    /// when it stops, no activity is current. Null when nobody listens.
    /// </summary>
    public static Activity? StartRoot(this ActivitySource source, string name, string? linkTo)
    {
        if (!source.HasListeners())
        {
            return null;
        }

        ActivityLink[]? links = linkTo is not null && ActivityContext.TryParse(linkTo, null, isRemote: true, out var link) ? [new ActivityLink(link)] : null;
        var current = Activity.Current;
        Activity.Current = null;
        var root = source.StartActivity(name, ActivityKind.Internal, parentContext: default, links: links);
        if (root is null)
        {
            Activity.Current = current;
        }

        return root;
    }

    /// <summary>
    /// Leaves the trace the current grain call runs in, for the rest of this asynchronous flow: no activity is current
    /// and Orleans' request context carries no trace context, so the grain calls made from here on join no trace (their
    /// own spans have no parent, which the sampler of <see cref="ALoRA.Telemetry.AloraTelemetryExtensions"/> drops).
    /// </summary>
    public static void LeaveTrace()
    {
        Activity.Current = null;
        foreach (var field in DistributedContextPropagator.Current.Fields.Append("traceparent").Append("tracestate"))
        {
            RequestContext.Remove(field);
        }
    }

    /// <summary>Marks <paramref name="activity"/> failed with <paramref name="exception"/>.</summary>
    public static void Fail(this Activity? activity, Exception exception)
    {
        activity?.AddException(exception).SetStatus(ActivityStatusCode.Error, exception.Message);
    }
}
