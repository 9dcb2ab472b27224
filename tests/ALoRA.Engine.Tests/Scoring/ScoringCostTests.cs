using ALoRA.Engine.Data;
using ALoRA.Engine.Lora;
using ALoRA.Engine.Model;
using ALoRA.Engine.Scoring;
using ALoRA.Sweeps.Planning;

namespace ALoRA.Engine.Tests.Scoring;

/// <summary>
/// <c>alora plan</c>'s forwards per round (<see cref="ScoringCost"/>, arithmetic in the thin client) against the work
/// the scorers report for a real round (<see cref="ScoreSet.ForwardEquivalents"/>) on the sample model: if a scorer's
/// cost changes (a faster fast path), this test says the plan's formula drifted (it is an upper bound of the fast path within 25 %).
/// </summary>
public sealed class ScoringCostTests
{
    public ScoringCostTests() => Samples.EnsureTorch();

    private static Batch ValidationBatch(int rows, int length)
    {
        var rng = new Random(11);
        var examples = Enumerable.Range(0, rows).Select(_ =>
        {
            var len = rng.Next(length / 2, length + 1);
            var ids = Enumerable.Range(0, len).Select(_ => rng.Next(3, 500)).ToArray();
            ids[0] = 1;
            return new TokenizedExample(ids, len - 2);
        }).ToList();
        return BatchCollator.Collate(examples, Enumerable.Range(0, rows).ToArray(), padId: 2);
    }

    [Fact]
    public void FastAndReference_OfAnEvenAllocation_AreWhatTheScorersReport()
    {
        using var model = HfModelLoader.Load(RepositoryPaths.Stories260K, new ModelLoadOptions { Lora = new LoraConfig { R = 2, TargetModules = LoraConfig.LlamaModuleTypes } });
        var batch = ValidationBatch(4, 10);
        var layers = model.Config.NumHiddenLayers;
        var ranks = 2 * LoraConfig.LlamaModuleTypes.Count * layers;

        var fast = AbLoraScorer.Fast(model, batch);
        var reference = AbLoraScorer.Reference(model, batch);

        Assert.Equal(ranks, fast.Ranks.Count);
        Assert.Equal(reference.ForwardEquivalents, ScoringCost.ReferenceForwards(ranks));
        // The plan's fast count is the blocks from each rank's layer on; the fast path shares more inside a block
        // (docs/alora-method.md section 8), so the plan is an upper bound, and not a loose one.
        Assert.InRange(ScoringCost.FastForwards(ranks, layers), fast.ForwardEquivalents, fast.ForwardEquivalents * 1.25);
        Assert.Equal(ScoringCost.FastForwards(ranks, layers), ScoringCost.ForwardsPerRound(ScoringCost.Fast, ranks, layers, 7), 9);
        Assert.Equal(reference.ForwardEquivalents, ScoringCost.ForwardsPerRound(ScoringCost.Reference, ranks, layers, 7));
    }

    [Fact]
    public void Fast_OfAnUnevenAllocation_IsTheSumOverTheRanksLayers()
    {
        using var model = HfModelLoader.Load(RepositoryPaths.Stories260K, new ModelLoadOptions { Lora = new LoraConfig { R = 3, TargetModules = ["q_proj", "down_proj"] } });
        foreach (var slot in model.Adapters.Where(s => s.Layer < 2))
        {
            slot.Module.SetGate(0, false); // fewer ranks in the lower layers, where a rank's variants run the most blocks
        }

        var batch = ValidationBatch(3, 8);
        var rankLayers = model.Adapters.SelectMany(s => Enumerable.Repeat(s.Layer, s.Module.ActiveRank)).ToList();

        var fast = AbLoraScorer.Fast(model, batch);

        Assert.Equal(rankLayers.Count, fast.Ranks.Count);
        var byLayer = ScoringCost.FastForwards(rankLayers, model.Config.NumHiddenLayers);
        Assert.InRange(byLayer, fast.ForwardEquivalents, fast.ForwardEquivalents * 1.25);
        Assert.NotEqual(byLayer, ScoringCost.FastForwards(rankLayers.Count, model.Config.NumHiddenLayers), 6);
    }

    [Fact]
    public void ApproxAndHybrid_FollowTheirDefinitions()
    {
        // 7B with r 8 on all seven projections: 1,792 ranks, n_A = 7.
        Assert.Equal(3585, ScoringCost.ForwardsPerRound(ScoringCost.Reference, 1792, 32, 7));
        Assert.Equal(2 + (1792 * 33.0 / 32), ScoringCost.ForwardsPerRound(ScoringCost.Fast, 1792, 32, 7), 9);
        Assert.Equal(6, ScoringCost.ForwardsPerRound(ScoringCost.Approx, 1792, 32, 7));
        Assert.Equal(21, ScoringCost.Shortlist(1792, 7));
        Assert.Equal(6 + 2 + (21 * 33.0 / 32), ScoringCost.ForwardsPerRound(ScoringCost.Hybrid, 1792, 32, 7), 9);
        Assert.Equal(10, ScoringCost.Shortlist(10, 7)); // never more than the ranks there are
        Assert.Throws<ArgumentException>(() => ScoringCost.ForwardsPerRound("exact", 10, 2, 1));
    }
}
