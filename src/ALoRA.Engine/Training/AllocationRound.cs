using ALoRA.Engine.Allocation;

namespace ALoRA.Engine.Training;

/// <summary>What one ALoRA round did (docs/alora-method.md section 7); kept in the trainer state, so checkpoints keep the history.</summary>
/// <param name="Round">1-based round number.</param>
/// <param name="Step">Optimizer steps done when the round ran.</param>
/// <param name="BaseCe">CE(M) on the round's validation batch.</param>
/// <param name="Scores">Every active rank's score.</param>
/// <param name="Pruned">Pruned ranks as "module path[rank]".</param>
/// <param name="Added">Ranks added per module path (only modules that received any).</param>
/// <param name="RanksAfter">Active ranks per module path after the round (every adapted module).</param>
/// <param name="DevLoss">Dev loss of the network after the round.</param>
/// <param name="ScoringSeconds">Time spent scoring.</param>
public sealed record AllocationRound(
    int Round,
    int Step,
    double BaseCe,
    IReadOnlyList<RankScore> Scores,
    IReadOnlyList<string> Pruned,
    IReadOnlyDictionary<string, int> Added,
    IReadOnlyDictionary<string, int> RanksAfter,
    double DevLoss,
    double ScoringSeconds);
