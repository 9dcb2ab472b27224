using ALoRA.Engine.Allocation;

namespace ALoRA.Engine.Scoring;

/// <summary>The scores of one scoring round.</summary>
/// <param name="BaseCe">CE(M) of the current network on the validation batch.</param>
/// <param name="Ranks">Every active rank's score, in model order then rank order.</param>
/// <param name="ForwardEquivalents">Work done, in full forward passes of the validation batch (a backward pass counts as 2), comparable across scorers.</param>
public sealed record ScoreSet(double BaseCe, IReadOnlyList<RankScore> Ranks, double ForwardEquivalents)
{
    /// <summary>
    /// The ranks a round may prune, as (module index, physical rank), or null for all of <see cref="Ranks"/>. The
    /// <c>hybrid</c> scorer sets it to its shortlist, whose scores are exact while the others are estimates.
    /// </summary>
    public IReadOnlySet<(int ModuleIndex, int Rank)>? Shortlist { get; init; }

    /// <summary>Mean importance per module path (modules without active ranks are absent).</summary>
    public IReadOnlyDictionary<string, double> ModuleAverages =>
        Ranks.GroupBy(r => r.ModulePath).ToDictionary(g => g.Key, g => g.Average(r => r.Importance));
}
