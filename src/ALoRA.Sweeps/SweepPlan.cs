using ALoRA.Abstractions.Sweeps;

namespace ALoRA.Sweeps;

/// <summary>The trials of a sweep, in expansion order, with what the coordinator needs to run and rank them.</summary>
/// <param name="SweepId">The sweep id (<see cref="SweepSpec.SweepId"/>).</param>
/// <param name="Name">Display name, or null.</param>
/// <param name="Metric">Metric that ranks the trials.</param>
/// <param name="Mode">Whether the metric is maximised or minimised.</param>
/// <param name="MaxConcurrentTrials">The most trials of the sweep that run at once.</param>
/// <param name="Trials">The distinct trials; <see cref="TrialSpec.Index"/> is the position in this list.</param>
/// <param name="Duplicates">How many expanded trials had the configuration of an earlier one and were dropped.</param>
/// <param name="SpecHash">SHA-256 of the canonical spec (<see cref="SweepSpec.SpecHash"/>).</param>
public sealed record SweepPlan(
    string SweepId,
    string? Name,
    string Metric,
    MetricMode Mode,
    int MaxConcurrentTrials,
    IReadOnlyList<TrialSpec> Trials,
    int Duplicates,
    string SpecHash);
