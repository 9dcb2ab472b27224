using ALoRA.Abstractions.Sweeps;
using ALoRA.Sweeps.Stopping;

namespace ALoRA.Sweeps.Tests.Stopping;

/// <summary>
/// The median stopping rule (docs/sweep-spec.md, "scheduler"); each case's expected decision is the rule worked by hand:
/// stop at t >= grace iff the trial's best value so far is strictly worse than the median of the running averages (up
/// to t) of the other trials that reached t, once min_trials of them have.
/// </summary>
public sealed class MedianStoppingRuleTests
{
    private static StoppingSettings Median(int grace = 100, int minTrials = 2, bool higherIsBetter = false) => new()
    {
        Type = StoppingTypes.Median,
        Metric = higherIsBetter ? "dev_accuracy" : "dev_loss",
        HigherIsBetter = higherIsBetter,
        GracePeriodSteps = grace,
        MinTrials = minTrials,
    };

    private static StoppingRule Rule(StoppingSettings? settings = null) => StoppingRule.Create(settings ?? Median())!;

    /// <summary>a: 1.0 at 100, 0.6 at 200 (average to 200: 0.8); b: 2.0, 1.0 (1.5); c: 0.5, 0.3 (0.4).</summary>
    private static StoppingRule ThreeTrials(StoppingSettings? settings = null)
    {
        var rule = Rule(settings);
        foreach (var (t, s, v) in new[] { ("a", 50, 3.0), ("a", 100, 1.0), ("a", 200, 0.6), ("b", 100, 2.0), ("b", 200, 1.0), ("c", 100, 0.5), ("c", 200, 0.3) })
        {
            rule.Report(t, s, v);
        }

        return rule;
    }

    [Fact]
    public void WorseThanTheMedianOfRunningAverages_Stops_WithTheReason()
    {
        var rule = ThreeTrials();
        // d at 200: others' averages up to 200: a (3.0+1.0+0.6)/3 = 1.5333, b 1.5, c 0.4 -> median 1.5. d's best 1.6 > 1.5.
        var d = rule.Report("d", 200, 1.6);
        Assert.True(d.Stop);
        Assert.Equal("stopped at step 200: best dev_loss 1.6 is worse than the median 1.5 of the running averages of the 3 other trials that reached step 200", d.Reason);

        // On the same three, 1.5 exactly: a tie with the median continues.
        Assert.False(ThreeTrials().Report("e", 200, 1.5).Stop);
    }

    [Fact]
    public void TheBestSoFar_NotTheLatest_IsCompared()
    {
        var rule = ThreeTrials();
        Assert.False(rule.Report("d", 100, 0.2).Stop); // at 100: averages a 2.0, b 2.0, c 0.5 -> median 2.0; 0.2 is better
        Assert.False(rule.Report("d", 200, 5.0).Stop); // latest 5.0, but best so far 0.2 < median 1.5
    }

    [Fact]
    public void BeforeGrace_OrWithFewerThanMinTrials_ItContinues_ButIsRecorded()
    {
        var rule = Rule(Median(grace: 100, minTrials: 2));
        Assert.False(rule.Report("a", 50, 1.0).Stop);
        Assert.False(rule.Report("b", 100, 9.0).Stop); // a never reached 100: no others
        Assert.False(rule.Report("c", 100, 9.5).Stop); // one other (b) reached 100 < min_trials 2
        Assert.True(rule.Report("d", 100, 9.9).Stop);  // b 9.0, c 9.5 -> median 9.25
        Assert.Equal(4, rule.Records.Count);
    }

    [Fact]
    public void OnlyTrialsThatReachedThePoint_Count()
    {
        var rule = ThreeTrials();
        // At 300 nobody else has reached 300: no median.
        Assert.False(rule.Report("d", 300, 100.0).Stop);
    }

    [Fact]
    public void EvenCount_TakesTheMeanOfTheTwoMiddle()
    {
        var rule = Rule(Median(minTrials: 1));
        rule.Report("a", 100, 1.0);
        rule.Report("b", 100, 2.0);
        Assert.True(rule.Report("c", 100, 1.6).Stop);  // median of 1.0, 2.0 = 1.5
        Assert.False(rule.Report("d", 100, 1.4).Stop); // others a 1.0, b 2.0, c 1.6 -> median 1.6
    }

    [Fact]
    public void ModeMax_StopsTheLowest()
    {
        var rule = ThreeTrials(Median(higherIsBetter: true));
        // averages to 200: a 1.5333, b 1.5, c 0.4 -> median 1.5; with max, 1.4 is worse.
        Assert.True(rule.Report("d", 200, 1.4).Stop);
        Assert.False(rule.Report("e", 200, 1.6).Stop);
    }

    [Fact]
    public void NaNAverages_AreLeftOut_AndAllNaNStops()
    {
        var rule = Rule(Median(minTrials: 2));
        rule.Report("a", 100, double.NaN);
        rule.Report("b", 100, 1.0);
        Assert.False(rule.Report("c", 100, 5.0).Stop); // only b has a finite average: fewer than 2
        rule.Report("d", 100, 2.0);
        Assert.True(rule.Report("e", 100, double.NaN).Stop); // b 1.0, c 5.0, d 2.0 -> 2.0; NaN is worse
    }

    [Fact]
    public void DuplicateReport_IsIdempotent()
    {
        var rule = ThreeTrials();
        var d = rule.Report("d", 200, 1.6);
        var count = rule.Records.Count;
        Assert.Equal(d, rule.Report("d", 200, 0.0));
        Assert.False(rule.Report("a", 200, 99.0).Stop);
        Assert.Equal(count, rule.Records.Count);
    }

    [Fact]
    public void AStopStands_ForEveryLaterReport()
    {
        var rule = ThreeTrials();
        var stop = rule.Report("d", 200, 1.6);
        var count = rule.Records.Count;

        Assert.Equal(stop, rule.Report("d", 300, 0.0)); // its answer was lost; a much better value later does not undo it
        Assert.False(rule.Report("d", 100, 1.7).Stop);  // an earlier step (a replay from a checkpoint) is another point
        Assert.Equal(count + 1, rule.Records.Count);
    }

    [Fact]
    public void Restart_FromTheRecords_GivesTheSameNextDecisions()
    {
        var random = new Random(3);
        var reports = Enumerable.Range(0, 120).Select(i => ($"t{i % 10}", 50 * (1 + (i / 10)), random.NextDouble() + (i % 10 * 0.1))).ToList();
        var live = Rule(Median(grace: 100, minTrials: 3));
        foreach (var (t, s, v) in reports.Take(50))
        {
            live.Report(t, s, v);
        }

        var rebuilt = StoppingRule.Create(live.Settings, live.Records.ToList())!;
        foreach (var (t, s, v) in reports.Skip(50))
        {
            Assert.Equal(live.Report(t, s, v), rebuilt.Report(t, s, v));
        }

        Assert.Equal(live.Records, rebuilt.Records);
        Assert.Contains(live.Records, r => r.Stop);
    }
}
