namespace ALoRA.Abstractions.Sweeps;

/// <summary>
/// A sweep's early stopping across trials, resolved from the spec's <c>scheduler</c> block (docs/sweep-spec.md,
/// "scheduler"). Every trial of the sweep carries the same settings (<see cref="TrialSpec.Stopping"/>); they are not
/// part of the trial's configuration hash.
/// </summary>
[GenerateSerializer, Immutable, Alias("alora.StoppingSettings")]
public sealed record StoppingSettings
{
    /// <summary>One of <see cref="StoppingTypes.All"/>.</summary>
    [Id(0)]
    public string Type { get; init; } = StoppingTypes.None;

    /// <summary>The metric the decisions compare, measured at each evaluation point: <c>dev_loss</c> or <c>dev_accuracy</c>.</summary>
    [Id(1)]
    public string Metric { get; init; } = "dev_loss";

    /// <summary>True when a higher <see cref="Metric"/> is better (accuracies), false when lower is (losses).</summary>
    [Id(2)]
    public bool HigherIsBetter { get; init; }

    /// <summary>Optimizer steps before any decision: ASHA's first rung, the median rule's first decision point.</summary>
    [Id(3)]
    public int GracePeriodSteps { get; init; }

    /// <summary>ASHA: rungs at <see cref="GracePeriodSteps"/> × factor^k, and only the top 1/factor of a rung continue.</summary>
    [Id(4)]
    public int ReductionFactor { get; init; } = 3;

    /// <summary>ASHA: the number of rungs, or null for as many as the trials reach.</summary>
    [Id(5)]
    public int? MaxRungs { get; init; }

    /// <summary>Median rule: how many other trials must have reached the point before a trial can be stopped there.</summary>
    [Id(6)]
    public int MinTrials { get; init; } = 3;

    /// <summary>True when the type takes decisions (anything but <see cref="StoppingTypes.None"/>).</summary>
    public bool TakesDecisions() => Type is StoppingTypes.Asha or StoppingTypes.Median;
}
