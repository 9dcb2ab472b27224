namespace ALoRA.Sweeps.Statistics;

/// <summary>The outcome of a two-sided Wilcoxon signed-rank test (see <see cref="WilcoxonSignedRank.Test"/>).</summary>
public sealed record WilcoxonResult
{
    /// <summary>Differences that were not zero; the test ranks these.</summary>
    public int NonZero { get; init; }

    /// <summary>Differences that were exactly zero; dropped before ranking (Wilcoxon's rule).</summary>
    public int Zeros { get; init; }

    /// <summary>W+: the sum of the ranks of |d| over the positive differences (mid-ranks for ties).</summary>
    public double WPlus { get; init; }

    /// <summary>Two-sided p-value; null when every difference is zero.</summary>
    public double? PValue { get; init; }

    /// <summary>How <see cref="PValue"/> was computed.</summary>
    public WilcoxonMethod Method { get; init; }
}
