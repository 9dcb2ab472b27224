namespace ALoRA.Sweeps.Results;

/// <summary>
/// Two arms of a sweep (methods, or budgets of one method) compared on one metric over trials paired by seed and search
/// draw: the mean of the paired differences (other minus baseline), its percentile bootstrap 95 % interval and the
/// two-sided Wilcoxon signed-rank p-value (docs/sweep-spec.md, "Results across seeds"). Built by <see
/// cref="PairedComparisons.Compare"/>.
/// </summary>
public sealed record PairedComparison
{
    /// <summary>The baseline arm, e.g. <c>lora</c> or <c>lora r=4</c>.</summary>
    public string Baseline { get; init; } = "";

    /// <summary>The arm compared with it, e.g. <c>alora</c>.</summary>
    public string Other { get; init; } = "";

    /// <summary>The metric (dev_accuracy, test_accuracy, dev_loss or test_loss).</summary>
    public string Metric { get; init; } = "";

    /// <summary>Number of pairs: both trials completed with a finite value of the metric.</summary>
    public int Pairs { get; init; }

    /// <summary>Mean of the differences (other minus baseline); null without pairs.</summary>
    public double? MeanDifference { get; init; }

    /// <summary>Lower end of the bootstrap 95 % interval of the mean difference; null without pairs.</summary>
    public double? CiLower { get; init; }

    /// <summary>Upper end of the bootstrap 95 % interval of the mean difference; null without pairs.</summary>
    public double? CiUpper { get; init; }

    /// <summary>Two-sided Wilcoxon signed-rank p-value; null without a non-zero difference.</summary>
    public double? WilcoxonP { get; init; }

    /// <summary>How the p-value was computed: <c>exact</c>, <c>normal</c> or <c>none</c>.</summary>
    public string WilcoxonMethod { get; init; } = "none";

    /// <summary>Wilcoxon's W+: rank sum of the positive differences (zeros dropped).</summary>
    public double WPlus { get; init; }

    /// <summary>Pairs whose difference is exactly zero (dropped by the Wilcoxon test, kept by the mean and the interval).</summary>
    public int ZeroDifferences { get; init; }

    /// <summary>Number of would-be pairs left out; <see cref="LeftOutReasons"/> says why, one entry each.</summary>
    public int LeftOut { get; init; }

    /// <summary>Why each would-be pair was left out, e.g. <c>trial sw-003 failed</c> or <c>trial sw-004 has no alora partner</c>.</summary>
    public IReadOnlyList<string> LeftOutReasons { get; init; } = [];

    /// <summary>The pairs, in the order of their first trial's index.</summary>
    public IReadOnlyList<TrialPair> PairList { get; init; } = [];
}
