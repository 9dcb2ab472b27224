namespace ALoRA.Abstractions.Trials;

/// <summary>
/// The experiment's answer to a progress report (<c>IExperimentGrain.ReportProgressAsync</c>): whether the attempt is
/// still current, which of its events are stored for good (the trainer may forget them), and — when the experiment lost
/// events it had received but not yet stored (its silo died, a report failed) — from which one to send them again.
/// </summary>
[GenerateSerializer, Immutable, Alias("alora.ProgressReceipt")]
public sealed record ProgressReceipt
{
    /// <summary>The answer to a report of an attempt that is no longer current: the trainer must stop.</summary>
    public static ProgressReceipt Stale { get; } = new();

    /// <summary>True while the reporting attempt is the trial's current one.</summary>
    [Id(0)]
    public bool Accepted { get; init; }

    /// <summary>Every event of the attempt up to this <see cref="TrialProgress.Sequence"/> is in the stored state.</summary>
    [Id(1)]
    public long StoredSequence { get; init; }

    /// <summary>
    /// Null when the report was applied whole; otherwise the sequence of the first event the experiment is missing: it
    /// applied nothing from there on and needs every event from this one again, in order.
    /// </summary>
    [Id(2)]
    public long? ResendFrom { get; init; }

    /// <summary>
    /// True when the sweep's scheduler stopped the trial at an event of this report (docs/sweep-spec.md, "scheduler"): the
    /// trial is <see cref="TrialState.Stopped"/>, and the trainer ends the attempt (without reporting more) and takes the
    /// next trial. A repeated report of the stopped attempt gets the same answer.
    /// </summary>
    [Id(40)]
    public bool Stop { get; init; }
}
