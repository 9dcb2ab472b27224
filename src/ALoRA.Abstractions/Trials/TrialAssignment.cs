using ALoRA.Abstractions.Sweeps;

namespace ALoRA.Abstractions.Trials;

/// <summary>A trial handed to a trainer: its spec and the attempt number that fences its reports.</summary>
[GenerateSerializer, Immutable, Alias("alora.TrialAssignment")]
public sealed record TrialAssignment
{
    /// <summary>The trial.</summary>
    [Id(0)]
    public TrialSpec Spec { get; init; } = new();

    /// <summary>Attempt number (1, 2, ...): reports carrying another attempt are rejected.</summary>
    [Id(1)]
    public int Attempt { get; init; }

    /// <summary>W3C traceparent of the span the attempt was handed out in (in the trial's trace), or null.</summary>
    [Id(2)]
    public string? TraceParent { get; init; }
}
