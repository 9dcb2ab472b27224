namespace ALoRA.Sweeps;

/// <summary>Whether a sweep's metric is to be maximised or minimised.</summary>
public enum MetricMode
{
    /// <summary>Higher is better (accuracies).</summary>
    Max,

    /// <summary>Lower is better (losses).</summary>
    Min,
}
