using ALoRA.Engine.Data;
using ALoRA.Engine.Model;

namespace ALoRA.Engine.Scoring;

/// <summary>
/// <c>hybrid</c> (docs/alora-method.md section 3): <see cref="ApproxScorer"/> for every rank, then exact scores
/// (<see cref="AbLoraScorer.Fast"/>, limited to the shortlisted ranks) for the <c>shortlist_factor x n_A</c> ranks
/// with the lowest estimates. The returned set holds the exact scores of the shortlist and the estimates of the
/// others, with <see cref="ScoreSet.Shortlist"/> set, so a round prunes the n_A lowest exact scores of the shortlist.
/// </summary>
public static class HybridScorer
{
    /// <summary>Scores <paramref name="model"/>'s active ranks on <paramref name="batch"/>.</summary>
    /// <param name="model">The network M.</param>
    /// <param name="batch">B_val.</param>
    /// <param name="ranksPerRound">n_A, the ranks a round prunes.</param>
    /// <param name="shortlistFactor">The shortlist holds <c>shortlistFactor x n_A</c> ranks (all when fewer are active).</param>
    /// <param name="maxVariantsPerPass">Variants stacked on the batch axis of one exact pass.</param>
    /// <param name="cancellationToken">Checked before every pass; the network is restored when it fires.</param>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static ScoreSet Score(LlamaForCausalLM model, Batch batch, int ranksPerRound, int shortlistFactor = 3, int maxVariantsPerPass = 16,
                                 CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ranksPerRound, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(shortlistFactor, 1);
        var approx = ApproxScorer.Score(model, batch, cancellationToken: cancellationToken);
        var size = (int)Math.Min((long)shortlistFactor * ranksPerRound, approx.Ranks.Count);
        var shortlist = approx.Ranks.OrderBy(s => s.Importance).ThenBy(s => s.ModuleIndex).ThenBy(s => s.Rank).Take(size)
                              .Select(s => (s.ModuleIndex, s.Rank)).ToHashSet();
        var paths = shortlist.Select(s => model.Adapters[s.ModuleIndex].Path).ToHashSet(StringComparer.Ordinal);
        var indexByPath = Enumerable.Range(0, model.Adapters.Count).ToDictionary(m => model.Adapters[m].Path, m => m, StringComparer.Ordinal);
        var exact = AbLoraScorer.Fast(model, batch, maxVariantsPerPass, include: slot => paths.Contains(slot.Path), cancellationToken: cancellationToken,
                                      includeRank: (slot, rank) => shortlist.Contains((indexByPath[slot.Path], rank)));
        var exactByRank = exact.Ranks.ToDictionary(s => (s.ModuleIndex, s.Rank));
        var merged = approx.Ranks.Select(s => exactByRank.GetValueOrDefault((s.ModuleIndex, s.Rank), s)).ToList();
        return new ScoreSet(exact.BaseCe, merged, approx.ForwardEquivalents + exact.ForwardEquivalents) { Shortlist = shortlist };
    }
}
