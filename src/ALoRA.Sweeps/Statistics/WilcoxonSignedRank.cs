namespace ALoRA.Sweeps.Statistics;

/// <summary>
/// The Wilcoxon signed-rank test of paired differences against a zero median, two-sided, computed as R's
/// <c>wilcox.test(x, y, paired = TRUE)</c> does with its defaults, but for a tolerance on ties (docs/sweep-spec.md,
/// "Results across seeds").
/// </summary>
public static class WilcoxonSignedRank
{
    /// <summary>Below this many non-zero differences (and without zeros or ties) the exact distribution is used.</summary>
    public const int ExactLimit = 50;

    /// <summary>
    /// Tests <paramref name="differences"/>: zeros are dropped (and counted); |d| is ranked with mid-ranks for ties
    /// (equal to a relative <see cref="TieTolerance"/>: differences of accuracies such as 0.74 - 0.71 and 0.71 - 0.68
    /// differ in their last bits); W+ is the rank sum of the positive differences. With fewer than <see cref="ExactLimit"/>
    /// non-zero differences and neither zeros nor ties, p = min(1, 2 min(P(W &lt;= W+), P(W &gt;= W+))) under the exact
    /// null distribution of W (every sign pattern equally likely). Otherwise the normal approximation:
    /// z = (W+ - n(n+1)/4 - 0.5 sign) / sqrt(n(n+1)(2n+1)/24 - sum(t^3 - t)/48), t the size of each tie group,
    /// p = P(|Z| &gt;= |z|).
    /// </summary>
    /// <param name="differences">Finite paired differences.</param>
    /// <exception cref="ArgumentException">A difference is not finite.</exception>
    public static WilcoxonResult Test(IReadOnlyList<double> differences)
    {
        ArgumentNullException.ThrowIfNull(differences);
        if (differences.Any(d => !double.IsFinite(d)))
        {
            throw new ArgumentException("every difference must be finite", nameof(differences));
        }

        var nonZero = differences.Where(d => d != 0).ToArray();
        var zeros = differences.Count - nonZero.Length;
        var n = nonZero.Length;
        if (n == 0)
        {
            return new WilcoxonResult { Zeros = zeros, Method = WilcoxonMethod.None };
        }

        var (ranks, tieGroups) = MidRanks(nonZero.Select(Math.Abs).ToArray());
        var wPlus = 0.0;
        for (var i = 0; i < n; i++)
        {
            if (nonZero[i] > 0)
            {
                wPlus += ranks[i];
            }
        }

        if (n < ExactLimit && zeros == 0 && tieGroups.Count == 0)
        {
            return new WilcoxonResult { NonZero = n, WPlus = wPlus, PValue = ExactP(n, (int)wPlus), Method = WilcoxonMethod.Exact };
        }

        var mean = n * (n + 1) / 4.0;
        var variance = (n * (n + 1.0) * ((2.0 * n) + 1.0) / 24.0) - (tieGroups.Sum(t => ((double)t * t * t) - t) / 48.0);
        var deviation = wPlus - mean;
        var z = (deviation - (0.5 * Math.Sign(deviation))) / Math.Sqrt(variance);
        return new WilcoxonResult { NonZero = n, Zeros = zeros, WPlus = wPlus, PValue = NormalDistribution.TwoSidedTail(z), Method = WilcoxonMethod.Normal };
    }

    /// <summary>Exact two-sided p of W+ = <paramref name="w"/> for <paramref name="n"/> untied non-zero differences.</summary>
    internal static double ExactP(int n, int w)
    {
        // counts[s]: subsets of {1..n} with sum s, i.e. sign patterns with W+ = s. Exact in doubles up to 2^53.
        var max = n * (n + 1) / 2;
        var counts = new double[max + 1];
        counts[0] = 1;
        for (var k = 1; k <= n; k++)
        {
            for (var s = (k * (k + 1) / 2); s >= k; s--)
            {
                counts[s] += counts[s - k];
            }
        }

        var total = Math.Pow(2, n);
        var atMost = 0.0;
        var atLeast = 0.0;
        for (var s = 0; s <= max; s++)
        {
            if (s <= w)
            {
                atMost += counts[s];
            }

            if (s >= w)
            {
                atLeast += counts[s];
            }
        }

        return Math.Min(1.0, 2.0 * Math.Min(atMost, atLeast) / total);
    }

    /// <summary>Relative tolerance within which two |d| are tied (see <see cref="Test"/>).</summary>
    public const double TieTolerance = 1e-9;

    /// <summary>
    /// 1-based ranks of <paramref name="values"/>, tied values sharing the mean of their ranks; the sizes of the tie
    /// groups (&gt; 1). In ascending order, a value within <see cref="TieTolerance"/> (relative) of the previous one
    /// joins its group.
    /// </summary>
    internal static (double[] Ranks, List<int> TieGroups) MidRanks(double[] values)
    {
        var order = Enumerable.Range(0, values.Length).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Length];
        var ties = new List<int>();
        var start = 0;
        while (start < order.Length)
        {
            var end = start;
            while (end + 1 < order.Length && Tied(values[order[end]], values[order[end + 1]]))
            {
                end++;
            }

            var rank = ((start + end) / 2.0) + 1.0;
            for (var k = start; k <= end; k++)
            {
                ranks[order[k]] = rank;
            }

            if (end > start)
            {
                ties.Add(end - start + 1);
            }

            start = end + 1;
        }

        return (ranks, ties);
    }

    private static bool Tied(double a, double b) => Math.Abs(b - a) <= TieTolerance * Math.Max(Math.Abs(a), Math.Abs(b));
}
