using ALoRA.Engine.Allocation;

namespace ALoRA.Engine.Tests.Allocation;

public sealed class RankAllocatorTests
{
    /// <summary>One score per (module, rank) with the given importances, ranks 0..n-1 per module.</summary>
    private static List<RankScore> Scores(params double[][] importancePerModule) =>
        importancePerModule.SelectMany((ranks, m) => ranks.Select((imp, r) => new RankScore(m, $"m{m}", r, 0, 0, imp))).ToList();

    private static int[] Counts(params double[][] importancePerModule) => importancePerModule.Select(r => r.Length).ToArray();

    [Fact]
    public void Decide_PaperExample_EightRanksOverThreeReceivers_Gives332ByAverage()
    {
        // Module 0 loses the 8 lowest ranks; U = modules 1..3, by average 3 (2.5) > 1 (1.5) > 2 (0.5): 3, 3, 2.
        double[][] imp =
        [
            [-9, -8, -7, -6, -5, -4, -3, -2, 5, 5],
            [1.0, 2.0],   // avg 1.5
            [0.0, 1.0],   // avg 0.5
            [3.0, 2.0],   // avg 2.5
        ];
        var d = RankAllocator.Decide(Counts(imp), Scores(imp), 8);

        Assert.Equal(Enumerable.Range(0, 8).Select(r => new PrunedRank(0, r)), d.Pruned);
        Assert.Equal([1, 2, 3], d.Receivers);
        Assert.Equal([0, 3, 2, 3], d.Added);
        Assert.Equal([2, 5, 4, 5], d.ActiveAfter);
        Assert.Equal(d.TotalBefore, d.TotalAfter);
        Assert.Equal([8, 0, 0, 0], d.PrunedPerModule);
    }

    [Fact]
    public void Decide_WithPrunable_PrunesTheLowestOfThoseOnly_AveragesStillUseEveryScore()
    {
        // hybrid: the shortlist {(0,1), (1,0), (1,1)} holds exact scores; (2,0) has a lower estimate but is not prunable.
        double[][] imp = [[5, 1], [3, 2], [-1]];
        var gates = imp.Select(m => (IReadOnlyList<bool>)m.Select(_ => true).ToArray()).ToList();
        var shortlist = new HashSet<(int, int)> { (0, 1), (1, 0), (1, 1) };

        var d = RankAllocator.Decide(gates, Scores(imp), 2, shortlist);

        Assert.Equal([new PrunedRank(0, 1), new PrunedRank(1, 1)], d.Pruned);
        Assert.Equal([2], d.Receivers);
        Assert.Equal(new double?[] { 3.0, 2.5, -1.0 }, d.AverageImportance);
        Assert.Equal(RankAllocator.Decide(gates, Scores(imp), 2).Pruned, [new PrunedRank(2, 0), new PrunedRank(0, 1)]);
        var ex = Assert.Throws<ArgumentException>(() => RankAllocator.Decide(gates, Scores(imp), 4, shortlist));
        Assert.Equal("prunable", ex.ParamName);
    }

    [Fact]
    public void Decide_EqualImportance_PrunesLowerModuleThenLowerRankFirst()
    {
        double[][] imp = [[1, 0.5, 0.5], [0.5, 0.5], [2]];
        var scores = Scores(imp);
        scores.Reverse(); // the input order must not matter
        var d = RankAllocator.Decide(Counts(imp), scores, 3);
        Assert.Equal([new PrunedRank(0, 1), new PrunedRank(0, 2), new PrunedRank(1, 0)], d.Pruned);
    }

    [Fact]
    public void Decide_EqualAverages_RemainderGoesToLowerModuleIndex()
    {
        double[][] imp = [[-5], [1, 3], [2, 2], [2], [-4]];
        var d = RankAllocator.Decide(Counts(imp), Scores(imp), 2);
        Assert.Equal([1, 2, 3], d.Receivers);
        Assert.Equal([0, 1, 1, 0, 0], d.Added);
    }

    [Fact]
    public void Decide_ModulePrunedToZero_EndsAtZeroAndIsNotReceiver()
    {
        double[][] imp = [[-1, -2], [5, 6, 7]];
        var d = RankAllocator.Decide(Counts(imp), Scores(imp), 2);
        Assert.Equal([0, 5], d.ActiveAfter);
        Assert.Equal([1], d.Receivers);
    }

    [Fact]
    public void Decide_ZeroRankModuleThatLostNothing_GetsShareButRemainderGoesToScoredModulesFirst()
    {
        // Module 1 has no active rank: it is in U and gets floor(5/3) = 1, but it has no average, so the remainder
        // of 2 goes to modules 2 and 3 even though their averages are negative and module 1 has the lower index.
        double[][] imp = [[-30, -29, -28, -27, -26], [], [-10], [-20]];
        var d = RankAllocator.Decide(Counts(imp), Scores(imp), 5);
        Assert.Equal([1, 2, 3], d.Receivers);
        Assert.Null(d.AverageImportance[1]);
        Assert.Equal(-10, d.AverageImportance[2]);
        Assert.Equal([0, 1, 2, 2], d.Added);
        Assert.Equal([0, 1, 3, 3], d.ActiveAfter);
    }

    [Fact]
    public void Decide_EveryModuleLostARank_AddsNothing()
    {
        double[][] imp = [[-1, 4], [-2, 5], [-3, 6]];
        var d = RankAllocator.Decide(Counts(imp), Scores(imp), 3);
        Assert.Empty(d.Receivers);
        Assert.Equal([0, 0, 0], d.Added);
        Assert.Equal([1, 1, 1], d.ActiveAfter);
        Assert.Equal(d.TotalBefore - 3, d.TotalAfter);
    }

    [Fact]
    public void Decide_ManyRandomRounds_BudgetNeverGrowsAndEveryPrunedRankIsAmongTheLowest()
    {
        var rng = new Random(7);
        var ranks = Enumerable.Repeat(8, 35).ToArray();
        const int budget = 8 * 35;
        for (var round = 0; round < 200; round++)
        {
            var scores = ranks.SelectMany((n, m) => Enumerable.Range(0, n).Select(r => new RankScore(m, $"m{m}", r, 0, 0, Math.Round(rng.NextDouble(), 2)))).ToList();
            var d = RankAllocator.Decide(ranks, scores, 7);

            Assert.True(d.TotalAfter <= d.TotalBefore, $"round {round}: budget grew");
            Assert.True(d.TotalAfter <= budget);
            Assert.Equal(7, d.Pruned.Count);
            var threshold = d.Pruned.Max(p => scores.Single(s => s.ModuleIndex == p.ModuleIndex && s.Rank == p.Rank).Importance);
            Assert.Equal(7, scores.Count(s => s.Importance < threshold) + d.Pruned.Count(p => scores.Single(s => s.ModuleIndex == p.ModuleIndex && s.Rank == p.Rank).Importance == threshold));
            Assert.All(d.Receivers, m => Assert.Equal(0, d.PrunedPerModule[m]));
            Assert.Equal(d.Receivers.Count > 0 ? 7 : 0, d.Added.Sum());
            Assert.All(d.ActiveAfter, a => Assert.True(a >= 0));
            ranks = [.. d.ActiveAfter];
        }
    }

    [Fact]
    public void Decide_SameInputsTwice_SameDecision()
    {
        var rng = new Random(11);
        var ranks = Enumerable.Range(0, 14).Select(_ => rng.Next(0, 6)).ToArray();
        var scores = ranks.SelectMany((n, m) => Enumerable.Range(0, n).Select(r => new RankScore(m, $"m{m}", r, 0, 0, rng.Next(0, 4)))).ToList();
        var first = RankAllocator.Decide(ranks, scores, 5);
        var second = RankAllocator.Decide(ranks.ToArray(), scores.ToList(), 5);
        Assert.Equal(first, second);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
    }

    [Fact]
    public void Decide_GateOverload_PrunesOnlyActivePhysicalRanks()
    {
        bool[][] gates = [[true, false, true], [false, true]];
        RankScore[] scores = [new(0, "a", 0, 0, 0, 3), new(0, "a", 2, 0, 0, 1), new(1, "b", 1, 0, 0, 2)];
        var d = RankAllocator.Decide(gates, scores, 1);
        Assert.Equal([new PrunedRank(0, 2)], d.Pruned);
        Assert.Equal([2, 1], d.ActiveBefore);
        Assert.Equal([1, 2], d.ActiveAfter);

        var ex = Assert.Throws<ArgumentException>(() => RankAllocator.Decide(gates, [.. scores, new RankScore(1, "b", 0, 0, 0, 0)], 1));
        Assert.Contains("rank 0 of module 1 ('b'), which is not active", ex.Message);
    }

    [Theory]
    [InlineData(0, "n_A must be >= 1, got 0")]
    [InlineData(9, "n_A (9) exceeds the 8 active ranks")]
    public void Decide_BadNA_ThrowsNamingIt(int nA, string message)
    {
        double[][] imp = [[1, 2, 3, 4], [1, 2, 3, 4]];
        var ex = Assert.Throws<ArgumentException>(() => RankAllocator.Decide(Counts(imp), Scores(imp), nA));
        Assert.Contains(message, ex.Message);
        Assert.Equal("nA", ex.ParamName);
    }

    [Fact]
    public void Decide_BadScores_ThrowNamingTheField()
    {
        int[] counts = [2, 1];
        RankScore S(int m, int r, double imp = 0) => new(m, $"m{m}", r, 0, 0, imp);

        Assert.Contains("scores[2] is for rank 1 of module 1 ('m1'), which is not active",
            Assert.Throws<ArgumentException>(() => RankAllocator.Decide(counts, [S(0, 0), S(0, 1), S(1, 1)], 1)).Message);
        Assert.Contains("scores[2].ModuleIndex is 2",
            Assert.Throws<ArgumentException>(() => RankAllocator.Decide(counts, [S(0, 0), S(0, 1), S(2, 0)], 1)).Message);
        Assert.Contains("scores[2] repeats rank 1 of module 0",
            Assert.Throws<ArgumentException>(() => RankAllocator.Decide(counts, [S(0, 0), S(0, 1), S(0, 1)], 1)).Message);
        Assert.Contains("no entry for rank 0 of module 1",
            Assert.Throws<ArgumentException>(() => RankAllocator.Decide(counts, [S(0, 0), S(0, 1)], 1)).Message);
        Assert.Contains("must be finite",
            Assert.Throws<ArgumentException>(() => RankAllocator.Decide(counts, [S(0, 0), S(0, 1, double.NaN), S(1, 0)], 1)).Message);
        Assert.Contains("activeRanksPerModule[1] must be >= 0",
            Assert.Throws<ArgumentException>(() => RankAllocator.Decide([2, -1], [S(0, 0), S(0, 1)], 1)).Message);
    }
}
