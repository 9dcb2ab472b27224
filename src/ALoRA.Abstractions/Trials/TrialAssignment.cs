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

    // [Id(2)] was the trial's trace parent; trainers get it with the dispatch now (TrialDispatch.TraceParent). Not reused.

    /// <summary>
    /// The attempt's lease: 128 random bits (hex) the experiment draws when it hands the attempt out. Progress, completion
    /// and failure reports must carry it; a report with the right attempt number and another lease is rejected, so a
    /// result cannot be forged by guessing attempt numbers (docs/security.md).
    /// </summary>
    [Id(3)]
    public string Lease { get; init; } = "";
}
