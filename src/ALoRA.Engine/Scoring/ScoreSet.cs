using ALoRA.Engine.Allocation;

namespace ALoRA.Engine.Scoring;

/// <summary>The scores of one scoring round.</summary>
/// <param name="BaseCe">CE(M) of the current network on the validation batch.</param>
/// <param name="Ranks">Every active rank's score, in model order then rank order.</param>
/// <param name="ForwardEquivalents">Work done, in full forward passes of the validation batch.</param>
public sealed record ScoreSet(double BaseCe, IReadOnlyList<RankScore> Ranks, double ForwardEquivalents)
{
    /// <summary>Mean importance per module path (modules without active ranks are absent).</summary>
    public IReadOnlyDictionary<string, double> ModuleAverages =>
        Ranks.GroupBy(r => r.ModulePath).ToDictionary(g => g.Key, g => g.Average(r => r.Importance));
}
