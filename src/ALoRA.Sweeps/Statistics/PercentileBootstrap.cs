namespace ALoRA.Sweeps.Statistics;

/// <summary>
/// Percentile bootstrap of a mean (Efron and Tibshirani 1993, chapter 13): resample the values with replacement, take
/// each resample's mean, and read the interval off the quantiles of those means. Seeded, so the interval is the same on
/// every run and machine (docs/sweep-spec.md, "Results across seeds").
/// </summary>
public static class PercentileBootstrap
{
    /// <summary>Number of resamples <c>alora results</c> uses.</summary>
    public const int DefaultResamples = 10_000;

    /// <summary>Seed <c>alora results</c> uses for every interval it reports.</summary>
    public const long DefaultSeed = 20_140;

    /// <summary>
    /// The <paramref name="level"/> interval of the mean of <paramref name="values"/>: <paramref name="resamples"/>
    /// resamples of the same size drawn with a SplitMix64 generator seeded with <paramref name="seed"/>; the ends are
    /// the (1 - level)/2 and (1 + level)/2 quantiles of the resample means, interpolated linearly between order
    /// statistics (Hyndman and Fan's type 7, R's default). One value gives a zero-width interval.
    /// </summary>
    /// <param name="values">Finite values, at least one.</param>
    /// <param name="resamples">Number of resamples, at least 1.</param>
    /// <param name="seed">Generator seed.</param>
    /// <param name="level">Confidence level in (0, 1).</param>
    /// <exception cref="ArgumentException">No values, a value that is not finite, or a bad count or level.</exception>
    public static BootstrapInterval MeanInterval(IReadOnlyList<double> values, int resamples = DefaultResamples, long seed = DefaultSeed, double level = 0.95)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 1);
        if (values.Count == 0 || values.Any(v => !double.IsFinite(v)))
        {
            throw new ArgumentException("the bootstrap needs at least one value, and only finite ones", nameof(values));
        }

        if (!(level > 0 && level < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "the level must lie in (0, 1)");
        }

        var data = values.ToArray();
        var n = data.Length;
        var random = new SplitMix64(seed);
        var means = new double[resamples];
        for (var b = 0; b < resamples; b++)
        {
            var sum = 0.0;
            for (var i = 0; i < n; i++)
            {
                sum += data[random.NextInt(n)];
            }

            means[b] = sum / n;
        }

        Array.Sort(means);
        return new BootstrapInterval(Quantile(means, (1 - level) / 2), Quantile(means, (1 + level) / 2));
    }

    /// <summary>The <paramref name="q"/> quantile of sorted values, type 7 (linear between order statistics).</summary>
    internal static double Quantile(double[] sorted, double q)
    {
        var h = (sorted.Length - 1) * q;
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + ((h - lo) * (sorted[hi] - sorted[lo]));
    }
}
