namespace ALoRA.Abstractions.Sweeps;

/// <summary>The early-stopping answer to one evaluation of a trial (docs/sweep-spec.md, "scheduler").</summary>
[GenerateSerializer, Immutable, Alias("alora.StoppingDecision")]
public sealed record StoppingDecision
{
    /// <summary>The answer for a trial that goes on.</summary>
    public static StoppingDecision Continue { get; } = new();

    /// <summary>True when the trial must stop now.</summary>
    [Id(0)]
    public bool Stop { get; init; }

    /// <summary>Why (<c>stopped at step 400: rung 2, below the top 1/3 ...</c>); null when it continues.</summary>
    [Id(1)]
    public string? Reason { get; init; }
}
