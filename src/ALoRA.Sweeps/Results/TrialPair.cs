namespace ALoRA.Sweeps.Results;

/// <summary>Two trials that differ only in the compared arm: the same seed and the same other search values.</summary>
public sealed record TrialPair
{
    /// <summary>What the two trials share: <c>seed=S</c> and the other search values, <c>key=value</c> joined by <c>"; "</c>.</summary>
    public string Context { get; init; } = "";

    /// <summary>The trial of the baseline arm.</summary>
    public string BaselineTrial { get; init; } = "";

    /// <summary>The trial of the other arm.</summary>
    public string OtherTrial { get; init; } = "";

    /// <summary>The baseline trial's value of the metric.</summary>
    public double BaselineValue { get; init; }

    /// <summary>The other trial's value of the metric.</summary>
    public double OtherValue { get; init; }

    /// <summary><see cref="OtherValue"/> minus <see cref="BaselineValue"/>.</summary>
    public double Difference { get; init; }
}
