namespace ALoRA.Sweeps.Results;

/// <summary>
/// The results of one allocation method across a sweep (for "lora vs alora" lines): how many trials ran, and the
/// spread of the metric and of the final trainable parameters over those that have a metric value.
/// </summary>
public sealed record MethodSummary
{
    /// <summary>The method.</summary>
    public string Method { get; init; } = "";

    /// <summary>Trials of the method in the table, whatever their state.</summary>
    public int Trials { get; init; }

    /// <summary>Trials of the method that have a rank (completed with a finite metric value); the statistics cover these.</summary>
    public int Count { get; init; }

    /// <summary>Median metric value; null when <see cref="Count"/> is 0.</summary>
    public double? MedianMetric { get; init; }

    /// <summary>Mean metric value; null when <see cref="Count"/> is 0.</summary>
    public double? MeanMetric { get; init; }

    /// <summary>Smallest metric value; null when <see cref="Count"/> is 0.</summary>
    public double? MinMetric { get; init; }

    /// <summary>Largest metric value; null when <see cref="Count"/> is 0.</summary>
    public double? MaxMetric { get; init; }

    /// <summary>Median of the final trainable parameters of the ranked trials that report them; null when none does.</summary>
    public double? MedianTrainableParamsAfter { get; init; }
}
