using ALoRA.Abstractions.Trials;

namespace ALoRA.Sweeps.Results;

/// <summary>
/// One trial of a sweep as a results table shows it: its place in the ranking, its configuration and budget, and
/// what it achieved. Built by <see cref="SweepResults.Rank"/>; written by <see cref="ResultsWriter"/>.
/// </summary>
public sealed record ResultRow
{
    /// <summary>1-based place among the completed trials that have a (finite) metric value; null for the others.</summary>
    public int? Rank { get; init; }

    /// <summary>The trial id.</summary>
    public string TrialId { get; init; } = "";

    /// <summary>0-based position of the trial in the sweep.</summary>
    public int Index { get; init; }

    /// <summary>Allocation method (lora, alora, alora-dnas, alora-sensi).</summary>
    public string Method { get; init; } = "";

    /// <summary>Initial LoRA rank r of every adapted module, when known (from the spec or the <c>lora.r</c> search value).</summary>
    public int? LoraR { get; init; }

    /// <summary>
    /// Number of adapted module types (q_proj, v_proj, ...), when known (from the spec, else from the module types of
    /// the final allocation).
    /// </summary>
    public int? TargetModules { get; init; }

    /// <summary>Total rank at the start: <see cref="LoraR"/> times the number of adapted modules of the final allocation.</summary>
    public int? InitialTotalRank { get; init; }

    /// <summary>Total active rank at the end: the sum of the final allocation.</summary>
    public int? FinalTotalRank { get; init; }

    /// <summary>The values the trial drew from the search space, keyed by YAML path.</summary>
    public IReadOnlyDictionary<string, string> SearchValues { get; init; } = new Dictionary<string, string>();

    /// <summary>The search values as <c>key=value</c> pairs in ordinal key order, joined by <c>"; "</c>.</summary>
    public string HyperParameters { get; init; } = "";

    /// <summary>Seed.</summary>
    public long Seed { get; init; }

    /// <summary>Trainable adapter parameters at the start (completed trials).</summary>
    public long? TrainableParamsBefore { get; init; }

    /// <summary>Trainable adapter parameters at the end (completed trials).</summary>
    public long? TrainableParamsAfter { get; init; }

    /// <summary>Value of the sweep's metric (<see cref="TrialResult.MetricValue"/>); null when the trial has none.</summary>
    public double? MetricValue { get; init; }

    /// <summary>Dev accuracy at the best checkpoint.</summary>
    public double? DevAccuracy { get; init; }

    /// <summary>Test accuracy of the best checkpoint.</summary>
    public double? TestAccuracy { get; init; }

    /// <summary>Best dev loss (for unfinished trials, the last reported dev loss).</summary>
    public double? DevLoss { get; init; }

    /// <summary>Test loss of the best checkpoint.</summary>
    public double? TestLoss { get; init; }

    /// <summary>Wall seconds of the final attempt.</summary>
    public double? WallSeconds { get; init; }

    /// <summary>Training throughput in tokens per second.</summary>
    public double? TokensPerSecond { get; init; }

    /// <summary>State of the trial.</summary>
    public TrialState State { get; init; }

    /// <summary>Why the trial failed, if it did.</summary>
    public string? Error { get; init; }

    /// <summary>
    /// Whether the trial is on the Pareto front of the metric against the trainable parameters (final, else initial):
    /// no other ranked trial has as few or fewer parameters and as good or a better metric, and is strictly better in
    /// one; null for a trial that is not ranked or reports no parameter count.
    /// </summary>
    public bool? ParetoFront { get; init; }

    /// <summary>The trainable parameters the Pareto front uses: the final count, else the initial one; null when unknown.</summary>
    public long? TrainableParams => TrainableParamsAfter ?? TrainableParamsBefore;

    /// <summary>
    /// The value of a metric: dev_accuracy, test_accuracy, dev_loss and test_loss read that column; any other name
    /// reads <see cref="MetricValue"/>.
    /// </summary>
    /// <param name="name">The metric.</param>
    public double? Metric(string name) => name switch
    {
        "dev_accuracy" => DevAccuracy,
        "test_accuracy" => TestAccuracy,
        "dev_loss" => DevLoss,
        "test_loss" => TestLoss,
        _ => MetricValue,
    };
}
