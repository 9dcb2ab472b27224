using ALoRA.Abstractions.Sweeps;
using ALoRA.Sweeps.Stopping;

namespace ALoRA.Sweeps.Tests.Stopping;

/// <summary>
/// ASHA decisions (docs/sweep-spec.md, "scheduler"): the oracle of each case is the rule's definition worked by hand —
/// a trial continues iff fewer than ceil(n / rf) of the n values at its rung (its own included) are strictly better.
/// </summary>
public sealed class AshaRuleTests
{
    private static StoppingSettings Asha(int grace = 100, int rf = 3, int? maxRungs = null, bool higherIsBetter = false) => new()
    {
        Type = StoppingTypes.Asha,
        Metric = higherIsBetter ? "dev_accuracy" : "dev_loss",
        HigherIsBetter = higherIsBetter,
        GracePeriodSteps = grace,
        ReductionFactor = rf,
        MaxRungs = maxRungs,
    };

    private static AshaRule Rule(StoppingSettings? settings = null) => (AshaRule)StoppingRule.Create(settings ?? Asha())!;

    [Fact]
    public void Rungs_AreGraceTimesFactorPowers_CappedByMaxRungs()
    {
        var rule = Rule(Asha(grace: 200, rf: 3));
        Assert.Equal([200L, 600L, 1800L, 5400L], Enumerable.Range(1, 4).Select(rule.Milestone));
        Assert.Equal([0, 1, 1, 2, 2, 3], new[] { 199, 200, 599, 600, 1799, 1800 }.Select(rule.RungAt));
        Assert.Equal(2, Rule(Asha(grace: 200, rf: 3, maxRungs: 2)).RungAt(100_000));
        Assert.Equal(long.MaxValue, rule.Milestone(100));
    }

    [Fact]
    public void BeforeTheGracePeriod_NothingIsDecidedOrRecorded()
    {
        var rule = Rule();
        Assert.False(rule.Report("a", 99, 9.0).Stop);
        Assert.Empty(rule.Records);
    }

    [Fact]
    public void TopThird_Continues_TheRestStop_WithTheReason()
    {
        var rule = Rule();
        // Arrivals at rung 1 (step 100), losses: n=1 keep 1: 1.0 continues; n=2 keep 1: 2.0 has 1 better -> stop;
        // n=3 keep 1: 0.5 has 0 better -> continue; n=4 keep 2: 0.8 has 1 better (0.5) -> continue;
        // n=5 keep 2: 0.9 has 2 better (0.5, 0.8) -> stop.
        var decisions = new[] { ("a", 1.0), ("b", 2.0), ("c", 0.5), ("d", 0.8), ("e", 0.9) }
            .Select(x => rule.Report(x.Item1, 100, x.Item2)).ToList();

        Assert.Equal([false, true, false, false, true], decisions.Select(d => d.Stop));
        Assert.Null(decisions[0].Reason);
        Assert.StartsWith("stopped at step 100: rung 1, below the top 1/3 (dev_loss 2; 1 of the 2 values recorded at rung 1 (step 100) are better, 1 continue)", decisions[1].Reason, StringComparison.Ordinal);
        Assert.Equal(5, rule.Records.Count);
    }

    [Fact]
    public void Ties_Continue_EvenBeyondTheQuota()
    {
        var rule = Rule();
        // Three equal values at n=1..3 (keep 1 each time): none is strictly better than another, so all continue.
        Assert.All(new[] { "a", "b", "c" }, t => Assert.False(rule.Report(t, 100, 0.7).Stop));
        // A fourth, worse one: 3 better >= keep 2 -> stop.
        Assert.True(rule.Report("d", 100, 0.71).Stop);
    }

    [Fact]
    public void ModeMax_KeepsTheHighest()
    {
        var rule = Rule(Asha(higherIsBetter: true));
        Assert.False(rule.Report("a", 100, 0.6).Stop);
        Assert.True(rule.Report("b", 100, 0.5).Stop); // lower accuracy: 1 better
        Assert.False(rule.Report("c", 100, 0.9).Stop);

        var min = Rule(Asha(higherIsBetter: false));
        Assert.False(min.Report("a", 100, 0.6).Stop);
        Assert.False(min.Report("b", 100, 0.5).Stop); // lower loss: 0 better
        Assert.True(min.Report("c", 100, 0.9).Stop);
    }

    [Fact]
    public void LateArrival_ComparesWithEveryValueRecorded_AndEarlierDecisionsStand()
    {
        var rule = Rule();
        Assert.False(rule.Report("a", 100, 0.9).Stop);  // first: continues
        Assert.False(rule.Report("a", 300, 0.8).Stop);  // a goes on to rung 2 (step 300), first there
        Assert.False(rule.Report("b", 100, 0.5).Stop);  // better than a at rung 1
        Assert.False(rule.Report("c", 100, 0.4).Stop);  // n=3, keep 1: best -> continues

        // d arrives late with a's value: n=4, keep 2, better = 0.5, 0.4 -> stop, though a continued with the same 0.9.
        var late = rule.Report("d", 100, 0.9);
        Assert.True(late.Stop);
        Assert.False(rule.Report("a", 300, 0.8).Stop); // a's decisions are not revisited
    }

    [Fact]
    public void SkippedRungs_RecordOnlyTheHighestReached()
    {
        var rule = Rule();
        Assert.False(rule.Report("a", 950, 0.3).Stop); // 950 >= 900 (rung 3) first: rungs 1 and 2 skipped
        Assert.Equal(3, Assert.Single(rule.Records).Rung);
        Assert.False(rule.Report("a", 1000, 9.0).Stop); // still rung 3: the recorded decision
        Assert.Single(rule.Records);
    }

    [Fact]
    public void NaN_IsWorseThanAnyNumber()
    {
        var rule = Rule();
        Assert.False(rule.Report("a", 100, double.NaN).Stop); // first arrival continues, whatever its value
        Assert.False(rule.Report("b", 100, 5.0).Stop);         // better than NaN
        Assert.True(rule.Report("c", 100, double.PositiveInfinity).Stop); // non-finite counts as NaN: 1 better (5.0) >= keep 1
    }

    [Fact]
    public void DuplicateReport_IsIdempotent_AndDoesNotFlipTheDecision()
    {
        var rule = Rule();
        rule.Report("a", 100, 0.5);
        var stopped = rule.Report("b", 100, 0.9);
        Assert.True(stopped.Stop);
        var count = rule.Records.Count;

        // A retried attempt re-reaches rung 1 after a failover, with another value: the same answer, nothing recorded.
        Assert.Equal(stopped, rule.Report("b", 120, 0.1));
        Assert.False(rule.Report("a", 150, 99.0).Stop);
        Assert.Equal(count, rule.Records.Count);

        // And the retried trial is not counted twice at the rung: c, with a value between, is judged among 3, not 4.
        Assert.False(rule.Report("c", 100, 0.4).Stop); // n=3, keep 1, none better
    }

    [Fact]
    public void AStopStands_ForEveryLaterReport_EvenAtAHigherRung()
    {
        var rule = Rule();
        rule.Report("a", 100, 0.5);
        var stop = rule.Report("b", 100, 0.9);
        rule.Report("a", 300, 0.4);

        // b's answer was lost and it trained on to rung 2 (step 300), with a value that would continue there: it stops,
        // with the rung 1 decision, and is not recorded at rung 2.
        Assert.Equal(stop, rule.Report("b", 300, 0.1));
        Assert.Equal(stop, rule.Report("b", 950, 0.1));
        Assert.False(rule.Report("b", 50, 0.1).Stop); // a replayed evaluation before the grace period decides nothing
        Assert.DoesNotContain(rule.Records, r => r.TrialId == "b" && r.Rung > 1);
    }

    [Fact]
    public void Restart_FromTheRecords_GivesTheSameNextDecisions()
    {
        var random = new Random(7);
        var first = Enumerable.Range(0, 40).Select(i => ($"t{i % 12}", 100 * (1 + (i / 12)) * 3 / 3 * (i % 3 == 0 ? 3 : 1), random.NextDouble())).ToList();
        var rest = Enumerable.Range(0, 60).Select(i => ($"t{i % 15}", 100 * (1 + random.Next(12)), random.NextDouble())).ToList();
        var live = Rule();
        foreach (var (t, s, v) in first)
        {
            live.Report(t, s, v);
        }

        var rebuilt = (AshaRule)StoppingRule.Create(live.Settings, live.Records.ToList())!;
        Assert.Equal(live.Records, rebuilt.Records);
        foreach (var (t, s, v) in rest)
        {
            Assert.Equal(live.Report(t, s, v), rebuilt.Report(t, s, v));
        }

        Assert.Equal(live.Records, rebuilt.Records);
        Assert.Contains(live.Records, r => r.Stop);
        Assert.Contains(live.Records, r => !r.Stop);
    }

    [Fact]
    public void SameArrivalOrder_SameDecisions()
    {
        var reports = Enumerable.Range(0, 50).Select(i => ($"t{i % 9}", 100 * (1 + (i / 9)), Math.Sin(i) + 2)).ToList();
        var a = Rule();
        var b = Rule();
        Assert.Equal(reports.Select(r => a.Report(r.Item1, r.Item2, r.Item3)), reports.Select(r => b.Report(r.Item1, r.Item2, r.Item3)));
    }

    [Fact]
    public void None_HasNoRule_AndBadSettingsAreRefused()
    {
        Assert.Null(StoppingRule.Create(new StoppingSettings { Type = StoppingTypes.None }));
        Assert.Null(StoppingRule.Create(null));
        Assert.Throws<ArgumentException>(() => StoppingRule.Create(Asha(rf: 1)));
        Assert.Throws<ArgumentException>(() => StoppingRule.Create(Asha(grace: 0)));
        Assert.Throws<ArgumentException>(() => StoppingRule.Create(Asha(maxRungs: 0)));
    }
}
