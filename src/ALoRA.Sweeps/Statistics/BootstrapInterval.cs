namespace ALoRA.Sweeps.Statistics;

/// <summary>A two-sided percentile bootstrap confidence interval of a mean.</summary>
/// <param name="Lower">Lower end.</param>
/// <param name="Upper">Upper end.</param>
public readonly record struct BootstrapInterval(double Lower, double Upper);
