namespace ALoRA.Abstractions.Sweeps;

/// <summary>
/// One report a sweep's early-stopping rule recorded, with the decision it took (docs/sweep-spec.md, "scheduler"): for
/// ASHA, a trial reaching a rung; for the median rule, every evaluation. The rule's whole state is its records in
/// arrival order, so it is persisted as they are and rebuilt from them.
/// </summary>
[GenerateSerializer, Immutable, Alias("alora.StoppingRecord")]
public sealed record StoppingRecord
{
    /// <summary>The trial that reported.</summary>
    [Id(0)]
    public string TrialId { get; init; } = "";

    /// <summary>The optimizer step of the evaluation.</summary>
    [Id(1)]
    public int Step { get; init; }

    /// <summary>ASHA: the rung (1 is the grace period's); 0 for the median rule.</summary>
    [Id(2)]
    public int Rung { get; init; }

    /// <summary>The metric's value at the evaluation (NaN when the evaluation had none).</summary>
    [Id(3)]
    public double Value { get; init; }

    /// <summary>True when the trial was told to stop here.</summary>
    [Id(4)]
    public bool Stop { get; init; }

    /// <summary>Why it stops (<c>stopped at step 400: rung 2, below the top 1/3 ...</c>), or null when it continues.</summary>
    [Id(5)]
    public string? Reason { get; init; }
}
