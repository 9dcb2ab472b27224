using ALoRA.Sweeps.Statistics;

namespace ALoRA.Sweeps.Tests.Statistics;

public sealed class PercentileBootstrapTests
{
    [Fact]
    public void SameSeed_SameInterval_OtherSeed_OtherInterval()
    {
        var values = Normal(new Random(7), 25, mean: 0.02, sd: 0.05);

        var a = PercentileBootstrap.MeanInterval(values);
        var b = PercentileBootstrap.MeanInterval([.. values]);
        var c = PercentileBootstrap.MeanInterval(values, seed: PercentileBootstrap.DefaultSeed + 1);

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.True(a.Lower < values.Average() && values.Average() < a.Upper, $"{a} around {values.Average()}");
    }

    [Fact]
    public void CoversTheTrueMean_AboutNinetyFivePercentOfTheTime()
    {
        // 200 synthetic samples of 30 from N(0.3, 1): a 95 % interval should contain 0.3 in about 190 of them (the
        // percentile bootstrap runs slightly short at n = 30; binomial spread about +-3).
        var random = new Random(2024);
        var covered = 0;
        for (var k = 0; k < 200; k++)
        {
            var interval = PercentileBootstrap.MeanInterval(Normal(random, 30, mean: 0.3, sd: 1.0), resamples: 2000, seed: k);
            covered += interval.Lower <= 0.3 && 0.3 <= interval.Upper ? 1 : 0;
        }

        Assert.InRange(covered, 178, 198);
    }

    [Fact]
    public void LargeSample_MatchesTheNormalTheoryInterval()
    {
        // n = 400: the bootstrap interval approaches mean +- 1.96 s / sqrt(n).
        var values = Normal(new Random(11), 400, mean: -0.1, sd: 0.2);
        var mean = values.Average();
        var sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
        var half = 1.959964 * sd / Math.Sqrt(values.Count);

        var interval = PercentileBootstrap.MeanInterval(values);

        Assert.Equal(mean - half, interval.Lower, half * 0.1);
        Assert.Equal(mean + half, interval.Upper, half * 0.1);
    }

    [Fact]
    public void OneValue_ZeroWidth()
    {
        Assert.Equal(new BootstrapInterval(0.25, 0.25), PercentileBootstrap.MeanInterval([0.25]));
    }

    [Fact]
    public void BadInput_IsRejected()
    {
        Assert.Throws<ArgumentException>(() => PercentileBootstrap.MeanInterval([]));
        Assert.Throws<ArgumentException>(() => PercentileBootstrap.MeanInterval([1.0, double.PositiveInfinity]));
        Assert.Throws<ArgumentOutOfRangeException>(() => PercentileBootstrap.MeanInterval([1.0], level: 1.0));
    }

    private static List<double> Normal(Random random, int count, double mean, double sd) =>
        [.. Enumerable.Range(0, count).Select(_ =>
            mean + (sd * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble())))];
}
