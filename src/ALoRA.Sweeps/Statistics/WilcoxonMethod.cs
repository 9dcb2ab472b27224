namespace ALoRA.Sweeps.Statistics;

/// <summary>How a Wilcoxon signed-rank p-value was computed.</summary>
public enum WilcoxonMethod
{
    /// <summary>No non-zero difference: there is no p-value.</summary>
    None,

    /// <summary>The exact null distribution of W+ (fewer than 50 non-zero differences, no zeros, no ties).</summary>
    Exact,

    /// <summary>The normal approximation with the tie correction of the variance and a continuity correction.</summary>
    Normal,
}
