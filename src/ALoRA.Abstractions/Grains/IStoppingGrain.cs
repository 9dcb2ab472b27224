using System.Collections.Immutable;
using ALoRA.Abstractions.Sweeps;

namespace ALoRA.Abstractions.Grains;

/// <summary>
/// A sweep's early-stopping decisions (key: the sweep id; docs/sweep-spec.md, "scheduler"). Its trials' experiments
/// report each evaluation; it answers from the sweep's rule (ASHA or median) and persists the records before answering,
/// so decisions survive a restart of its silo and a repeated report gets the same answer.
/// </summary>
public interface IStoppingGrain : IGrainWithStringKey
{
    /// <summary>
    /// The decision for the evaluation of <paramref name="trialId"/> at <paramref name="step"/> whose metric
    /// (<see cref="StoppingSettings.Metric"/>) is <paramref name="value"/> (NaN when it had none).
    /// </summary>
    [SiloOnly]
    Task<StoppingDecision> ReportAsync(StoppingSettings settings, string trialId, int step, double value);

    /// <summary>Every record, in arrival order (what is persisted).</summary>
    [SiloOnly]
    Task<ImmutableList<StoppingRecord>> GetRecordsAsync();
}
