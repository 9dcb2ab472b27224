using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Trials;
using ALoRA.Sweeps.Results;
using ALoRA.Sweeps.Statistics;

namespace ALoRA.Sweeps.Tests.Results;

public sealed class PairedComparisonsTests
{
    [Fact]
    public void LoraVsAlora_PairsBySeed_AndComputesTheStatistics()
    {
        double[] lora = [0.70, 0.72, 0.69, 0.75, 0.71];
        double[] alora = [0.73, 0.71, 0.74, 0.79, 0.75];
        var trials = new List<TrialStatus>();
        for (var s = 0; s < 5; s++)
        {
            trials.Add(Trial(2 * s, "lora", seed: s + 1, lora[s]));
            trials.Add(Trial((2 * s) + 1, "alora", seed: s + 1, alora[s]));
        }

        var comparison = Single(Compare(trials), "test_accuracy");

        Assert.Equal(("lora", "alora"), (comparison.Baseline, comparison.Other));
        Assert.Equal(5, comparison.Pairs);
        Assert.Equal(0, comparison.LeftOut);
        var differences = alora.Zip(lora, (b, a) => b - a).ToArray();
        Assert.Equal(differences, comparison.PairList.Select(p => p.Difference));
        Assert.Equal(differences.Average(), comparison.MeanDifference!.Value, 12);
        Assert.Equal(PercentileBootstrap.MeanInterval(differences), new BootstrapInterval(comparison.CiLower!.Value, comparison.CiUpper!.Value));
        // Differences +0.03, -0.01, +0.05, +0.04, +0.04: only the smallest is negative, so W+ = 15 - 1 = 14.
        Assert.Equal(WilcoxonSignedRank.Test(differences).PValue, comparison.WilcoxonP);
        Assert.Equal(14, comparison.WPlus);
        Assert.Equal(["seed=1; training.learning_rate=0.001", "seed=2; training.learning_rate=0.001"], comparison.PairList.Take(2).Select(p => p.Context));
    }

    [Fact]
    public void FailedCancelledRunningAndMissingPartners_AreLeftOutWithTheReason()
    {
        TrialStatus[] trials =
        [
            Trial(0, "lora", 1, 0.70), Trial(1, "alora", 1, 0.72),
            Trial(2, "lora", 2, 0.71), Trial(3, "alora", 2, 0.74),
            Trial(4, "lora", 3, 0.69), Trial(5, "alora", 3, 0.0, TrialState.Failed),
            Trial(6, "lora", 4, 0.0, TrialState.Cancelled), Trial(7, "alora", 4, 0.0, TrialState.Running),
            Trial(8, "alora", 5, 0.80),
            Trial(9, "lora", 6, 0.75), Trial(10, "alora", 6, 0.77),
        ];

        var comparison = Single(Compare(trials), "test_accuracy");

        Assert.Equal(3, comparison.Pairs);
        Assert.Equal(3, comparison.LeftOut);
        Assert.Equal(
            ["trial sw-005 failed", "trial sw-006 was cancelled and trial sw-007 is running", "trial sw-008 has no lora partner"],
            comparison.LeftOutReasons);
        Assert.Equal([0.02, 0.03, 0.02], comparison.PairList.Select(p => Math.Round(p.Difference, 10)));
    }

    [Theory]
    [MemberData(nameof(NotCompleted))]
    public void EveryStateButCompleted_IsLeftOut_NamingTheState(TrialState state)
    {
        // Covers every state the enum has, so a later one (e.g. stopped by early stopping) is left out too.
        TrialStatus[] trials = [Trial(0, "lora", 1, 0.70), Trial(1, "alora", 1, 0.72), Trial(2, "lora", 2, 0.70), Trial(3, "alora", 2, 0.75, state)];

        var comparison = Single(Compare(trials), "test_accuracy");

        Assert.Equal((1, 1), (comparison.Pairs, comparison.LeftOut));
        Assert.StartsWith("trial sw-003 ", comparison.LeftOutReasons[0], StringComparison.Ordinal);
        Assert.Contains(state.ToString().ToLowerInvariant(), comparison.LeftOutReasons[0], StringComparison.Ordinal);
    }

    public static TheoryData<TrialState> NotCompleted() => [.. Enum.GetValues<TrialState>().Where(s => s != TrialState.Completed)];

    [Fact]
    public void DifferentSearchDraws_DoNotPair()
    {
        // The same seeds but different learning rates: no context holds both methods, so there is no comparison.
        TrialStatus[] trials =
        [
            Trial(0, "lora", 1, 0.70, lr: "0.001"), Trial(1, "alora", 1, 0.72, lr: "0.002"),
            Trial(2, "lora", 2, 0.70, lr: "0.001"), Trial(3, "alora", 2, 0.72, lr: "0.002"),
        ];

        Assert.Empty(Compare(trials));
    }

    [Fact]
    public void TwoRanksOfOneMethod_AreCompared_AndCrossedWithTheDraw()
    {
        // lora at r = 4 and r = 8, two learning rates, two seeds: 4 pairs of r=4 vs r=8, each within one draw.
        var trials = new List<TrialStatus>();
        var index = 0;
        foreach (var lr in new[] { "0.001", "0.002" })
        {
            foreach (var seed in new[] { 1, 2 })
            {
                trials.Add(Trial(index++, "lora", seed, 0.70, lr: lr, rank: "8"));
                trials.Add(Trial(index++, "lora", seed, 0.65 + (seed / 100.0), lr: lr, rank: "4"));
            }
        }

        var comparison = Single(Compare(trials), "test_accuracy");

        Assert.Equal(("lora r=4", "lora r=8"), (comparison.Baseline, comparison.Other));
        Assert.Equal(4, comparison.Pairs);
        Assert.Equal([0.04, 0.03, 0.04, 0.03], comparison.PairList.Select(p => Math.Round(p.Difference, 10)));
        Assert.All(comparison.PairList, p => Assert.DoesNotContain("lora.r", p.Context, StringComparison.Ordinal));
    }

    [Fact]
    public void MethodBlockValues_AreArms_AndLoraPairsWithEach()
    {
        // A grid over alora.k1 does not multiply the lora trials; each alora variant pairs with the same lora trial.
        var trials = new List<TrialStatus>();
        var index = 0;
        foreach (var seed in new[] { 1, 2, 3 })
        {
            trials.Add(Trial(index++, "lora", seed, 0.70));
            trials.Add(Trial(index++, "alora", seed, 0.72, extra: ("alora.k1", "100steps")));
            trials.Add(Trial(index++, "alora", seed, 0.75, extra: ("alora.k1", "200steps")));
        }

        var comparisons = Compare(trials).Where(c => c.Metric == "test_accuracy").ToList();

        Assert.Equal(
            [("lora", "alora k1=100steps"), ("lora", "alora k1=200steps"), ("alora k1=100steps", "alora k1=200steps")],
            comparisons.Select(c => (c.Baseline, c.Other)));
        Assert.All(comparisons, c => Assert.Equal(3, c.Pairs));
    }

    [Fact]
    public void SearchedAdapterSettings_ArePartOfTheDraw_ForEveryMethod()
    {
        // lora.lora_dropout applies to every method (the lora block is the adapter's): it is context, not an arm.
        var trials = new List<TrialStatus>();
        var index = 0;
        foreach (var dropout in new[] { "0", "0.1" })
        {
            trials.Add(Trial(index++, "lora", 1, 0.70, extra: ("lora.lora_dropout", dropout)));
            trials.Add(Trial(index++, "alora", 1, 0.71, extra: ("lora.lora_dropout", dropout)));
        }

        var comparison = Single(Compare(trials), "test_accuracy");

        Assert.Equal(("lora", "alora", 2), (comparison.Baseline, comparison.Other, comparison.Pairs));
        Assert.Equal("seed=1; lora.lora_dropout=0.1; training.learning_rate=0.001", comparison.PairList[1].Context);
    }

    [Fact]
    public void OtherMetrics_FollowTheObjective_WhenTheyHavePairs()
    {
        TrialStatus[] trials = [Trial(0, "lora", 1, 0.70), Trial(1, "alora", 1, 0.72)];

        var comparisons = Compare(trials, metric: "dev_loss");

        // The fixtures have dev and test accuracy and loss: all four metrics, the objective first.
        Assert.Equal(["dev_loss", "dev_accuracy", "test_accuracy", "test_loss"], comparisons.Select(c => c.Metric));
        Assert.Equal(1, comparisons[0].Pairs);
        Assert.Equal(comparisons[0].MeanDifference, comparisons[0].CiLower);
    }

    [Fact]
    public void Output_IsDeterministic()
    {
        var trials = Enumerable.Range(0, 12).Select(i => Trial(i, i % 2 == 0 ? "lora" : "alora", seed: i / 2, 0.6 + (((i * 37) % 11) / 100.0))).ToArray();

        var a = Compare(trials);
        var b = Compare([.. trials.Reverse()]);

        Assert.Equal(a.Select(c => (c.Metric, c.MeanDifference, c.CiLower, c.CiUpper, c.WilcoxonP)), b.Select(c => (c.Metric, c.MeanDifference, c.CiLower, c.CiUpper, c.WilcoxonP)));
    }

    private static IReadOnlyList<PairedComparison> Compare(IEnumerable<TrialStatus> trials, string metric = "test_accuracy")
    {
        var status = new SweepStatus { SweepId = "sw", Metric = metric, Mode = metric.EndsWith("loss", StringComparison.Ordinal) ? "min" : "max", Trials = [.. trials] };
        return PairedComparisons.Compare(SweepResults.Rank(status), metric);
    }

    private static PairedComparison Single(IReadOnlyList<PairedComparison> comparisons, string metric) =>
        Assert.Single(comparisons, c => c.Metric == metric);

    private static TrialStatus Trial(
        int index, string method, int seed, double accuracy, TrialState state = TrialState.Completed, string lr = "0.001", string? rank = null,
        (string Key, string Value)? extra = null)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal) { ["method"] = method, ["training.learning_rate"] = lr };
        if (rank is not null)
        {
            values["lora.r"] = rank;
        }

        if (extra is { } e)
        {
            values[e.Key] = e.Value;
        }

        var completed = ResultsFixtures.Completed(index, method, accuracy, devLoss: 1 - accuracy);
        return state == TrialState.Completed
            ? completed with { Seed = seed, SearchValues = values }
            : ResultsFixtures.Unfinished(index, method, state) with { Seed = seed, SearchValues = values };
    }
}
