namespace ALoRA.Abstractions.Trials;

/// <summary>A queued trial the scheduler hands to a trainer, with the trace its attempt continues.</summary>
[GenerateSerializer, Immutable, Alias("alora.TrialDispatch")]
public sealed record TrialDispatch
{
    /// <summary>The trial to run.</summary>
    [Id(0)]
    public string TrialId { get; init; } = "";

    /// <summary>
    /// W3C traceparent of the trial's own trace (its root is the trial's first dispatch), so the attempt and everything it
    /// does join it; null when nothing is traced.
    /// </summary>
    [Id(1)]
    public string? TraceParent { get; init; }
}
