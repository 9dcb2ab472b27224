using ALoRA.Abstractions.Sweeps;
using ALoRA.Abstractions.Trials;
using ALoRA.Sweeps.Results;
using static ALoRA.Sweeps.Tests.Results.ResultsFixtures;

namespace ALoRA.Sweeps.Tests.Results;

public class SweepResultsTests
{
    [Fact]
    public void Rank_Max_OrdersByMetricDescending()
    {
        var status = Sweep("test_accuracy", "max",
            Completed(0, "lora", 0.80),
            Completed(1, "alora", 0.90),
            Completed(2, "alora", 0.85));

        var rows = SweepResults.Rank(status);

        Assert.Equal([1, 2, 0], rows.Select(r => r.Index));
        Assert.Equal([1, 2, 3], rows.Select(r => r.Rank!.Value));
        Assert.Equal(0.90, rows[0].MetricValue);
    }

    [Fact]
    public void Rank_Min_OrdersByMetricAscending()
    {
        var status = Sweep("dev_loss", "min",
            Completed(0, "lora", 0.8, devLoss: 0.7),
            Completed(1, "alora", 0.8, devLoss: 0.3),
            Completed(2, "alora", 0.8, devLoss: 0.5));

        var rows = SweepResults.Rank(status);

        Assert.Equal([1, 2, 0], rows.Select(r => r.Index));
        Assert.Equal(0.3, rows[0].MetricValue);
    }

    [Fact]
    public void Rank_EmptyMode_MinimisesLossMetrics()
    {
        var rows = SweepResults.Rank(Sweep("test_loss", "", Completed(0, "lora", 0.8, devLoss: 0.9), Completed(1, "lora", 0.8, devLoss: 0.2)));

        Assert.Equal([1, 0], rows.Select(r => r.Index));
    }

    [Fact]
    public void Rank_Ties_BrokenByTrialIndex()
    {
        var status = Sweep("test_accuracy", "max",
            Completed(3, "lora", 0.85),
            Completed(1, "alora", 0.85),
            Completed(2, "alora", 0.90),
            Completed(0, "lora", 0.85));

        var rows = SweepResults.Rank(status);

        Assert.Equal([2, 0, 1, 3], rows.Select(r => r.Index));
        Assert.Equal([1, 2, 3, 4], rows.Select(r => r.Rank!.Value));
    }

    [Fact]
    public void Rank_UnfinishedAndMetricless_ListedLastInIndexOrderUnranked()
    {
        var completed = Completed(1, "alora", 0.5);
        var noMetric = completed with { Result = completed.Result! with { TestMetric = null } };
        var nanMetric = Completed(6, "alora", double.NaN);
        var status = Sweep("test_accuracy", "max",
            Unfinished(0, "lora", TrialState.Failed, "CUDA out of memory"),
            noMetric,
            Completed(2, "lora", 0.7),
            Unfinished(3, "alora", TrialState.Running),
            Unfinished(4, "alora", TrialState.Cancelled),
            Completed(5, "alora", 0.9),
            nanMetric,
            Unfinished(7, "lora", TrialState.Queued));

        var rows = SweepResults.Rank(status);

        Assert.Equal([5, 2, 0, 1, 3, 4, 6, 7], rows.Select(r => r.Index));
        Assert.Equal([1, 2, null, null, null, null, null, null], rows.Select(r => r.Rank));
        var failed = rows.Single(r => r.Index == 0);
        Assert.Equal(TrialState.Failed, failed.State);
        Assert.Equal("CUDA out of memory", failed.Error);
        Assert.Null(failed.MetricValue);
        Assert.Equal(0.9, rows.Single(r => r.Index == 3).DevLoss);
    }

    [Fact]
    public void Rank_FillsBudgetHyperParametersAndMeasurements()
    {
        var row = SweepResults.Rank(Sweep("test_accuracy", "max", Completed(0, "alora", 0.8))).Single();

        Assert.Equal("sw-000", row.TrialId);
        Assert.Equal(8, row.LoraR);
        Assert.Equal(2, row.TargetModules);
        Assert.Equal(32, row.InitialTotalRank);
        Assert.Equal(28, row.FinalTotalRank);
        Assert.Equal("lora.r=8; training.learning_rate=0.0003", row.HyperParameters);
        Assert.Equal(40, row.Seed);
        Assert.Equal(2000, row.TrainableParamsBefore);
        Assert.Equal(1000, row.TrainableParamsAfter);
        Assert.Equal(0.79, row.DevAccuracy!.Value, 12);
        Assert.Equal(0.8, row.TestAccuracy);
        Assert.Equal(0.5, row.DevLoss);
        Assert.Equal(0.6, row.TestLoss!.Value, 12);
        Assert.Equal(12.5, row.WallSeconds);
        Assert.Equal(3456.25, row.TokensPerSecond);
    }

    [Fact]
    public void Rank_SpecsSupplyRankAndTargetModules()
    {
        var trial = Completed(0, "lora", 0.8) with { SearchValues = new Dictionary<string, string>() };
        var spec = new TrialSpec { TrialId = "sw-000", Lora = new LoraSettings { R = 16, TargetModules = ["q_proj", "k_proj", "v_proj"] } };

        var row = SweepResults.Rank(Sweep("test_accuracy", "max", trial), [spec]).Single();

        Assert.Equal(16, row.LoraR);
        Assert.Equal(3, row.TargetModules);
        Assert.Equal(64, row.InitialTotalRank);
    }

    [Fact]
    public void Rank_UnknownMode_Throws()
    {
        Assert.Throws<ArgumentException>(() => SweepResults.Rank(Sweep("test_accuracy", "best", Completed(0, "lora", 0.8))));
    }

    [Fact]
    public void Summarize_PerMethodMediansMeansAndExtremes()
    {
        var status = Sweep("test_accuracy", "max",
            Completed(0, "alora", 0.90, paramsAfter: 100),
            Completed(1, "lora", 0.80, paramsAfter: 1000),
            Completed(2, "alora", 0.70, paramsAfter: 300),
            Completed(3, "lora", 0.84, paramsAfter: 1000),
            Completed(4, "alora", 0.86, paramsAfter: 200),
            Completed(5, "lora", 0.82, paramsAfter: 1000),
            Completed(6, "lora", 0.90, paramsAfter: 3000),
            Unfinished(7, "alora", TrialState.Failed, "boom"),
            Completed(8, "custom", 0.5));

        var summary = SweepResults.Summarize(SweepResults.Rank(status));

        Assert.Equal(["lora", "alora", "custom"], summary.Select(s => s.Method));
        var lora = summary[0];
        Assert.Equal(4, lora.Trials);
        Assert.Equal(4, lora.Count);
        Assert.Equal(0.83, lora.MedianMetric!.Value, 12);
        Assert.Equal(0.84, lora.MeanMetric!.Value, 12);
        Assert.Equal(0.80, lora.MinMetric);
        Assert.Equal(0.90, lora.MaxMetric);
        Assert.Equal(1000, lora.MedianTrainableParamsAfter);
        var alora = summary[1];
        Assert.Equal(4, alora.Trials);
        Assert.Equal(3, alora.Count);
        Assert.Equal(0.86, alora.MedianMetric);
        Assert.Equal(200, alora.MedianTrainableParamsAfter);
    }

    [Fact]
    public void Summarize_MethodWithoutRankedTrials_HasNullStatistics()
    {
        var summary = SweepResults.Summarize(SweepResults.Rank(Sweep("test_accuracy", "max", Unfinished(0, "lora", TrialState.Running))));

        var lora = Assert.Single(summary);
        Assert.Equal(1, lora.Trials);
        Assert.Equal(0, lora.Count);
        Assert.Null(lora.MedianMetric);
        Assert.Null(lora.MeanMetric);
        Assert.Null(lora.MedianTrainableParamsAfter);
    }

    [Theory]
    [InlineData("test_accuracy", "max")]
    [InlineData("dev_loss", "min")]
    public void Rank_MarksTheParetoFront_AsABruteForceCheckDoes(string metric, string mode)
    {
        var random = new Random(metric.Length);
        for (var k = 0; k < 100; k++)
        {
            var trials = Enumerable.Range(0, random.Next(1, 16)).Select(i => random.Next(6) == 0
                    ? Unfinished(i, "alora", TrialState.Failed)
                    : Completed(i, i % 2 == 0 ? "lora" : "alora", random.Next(60, 66) / 100.0, devLoss: random.Next(20, 26) / 100.0, paramsAfter: random.Next(1, 5) * 100))
                .ToArray();

            var rows = SweepResults.Rank(Sweep(metric, mode, trials));

            var ranked = rows.Where(r => r.Rank is not null).ToList();
            bool Better(double a, double b) => mode == "max" ? a > b : a < b;
            foreach (var r in rows)
            {
                bool? expected = r.Rank is null ? null : !ranked.Any(q =>
                    q.TrainableParamsAfter <= r.TrainableParamsAfter && !Better(r.MetricValue!.Value, q.MetricValue!.Value)
                    && (q.TrainableParamsAfter < r.TrainableParamsAfter || Better(q.MetricValue!.Value, r.MetricValue!.Value)));
                Assert.Equal(expected, r.ParetoFront);
            }

            var front = SweepResults.ParetoFront(rows);
            Assert.Equal(rows.Count(r => r.ParetoFront == true), front.Count);
            Assert.Equal(front.OrderBy(r => r.TrainableParamsAfter).Select(r => r.TrainableParamsAfter), front.Select(r => r.TrainableParamsAfter));
        }
    }
}
