using ALoRA.Sweeps.Statistics;

namespace ALoRA.Sweeps.Tests.Statistics;

public sealed class WilcoxonSignedRankTests
{
    [Fact]
    public void HollanderWolfeDepressionExample_ExactTwoSidedP()
    {
        // Hollander and Wolfe (1973), p. 29, the example of R's ?wilcox.test: Hamilton depression scale before (x) and
        // after (y) a tranquilliser for nine patients. R: wilcox.test(x, y, paired = TRUE, alternative = "greater")
        // gives V = 40, p-value = 0.01953 (= 10/512); the two-sided p is twice that.
        double[] x = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30];
        double[] y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];

        var result = WilcoxonSignedRank.Test([.. x.Zip(y, (a, b) => a - b)]);

        Assert.Equal(WilcoxonMethod.Exact, result.Method);
        Assert.Equal(40, result.WPlus);
        Assert.Equal(9, result.NonZero);
        Assert.Equal(20.0 / 512.0, result.PValue!.Value, 12);
    }

    [Fact]
    public void WikipediaExample_WithATieAndAZero_NormalApproximation()
    {
        // The worked example of the Wikipedia article "Wilcoxon signed-rank test" (ten pairs, one zero difference,
        // one tie): after dropping the zero, n = 9, W+ = 27 (W = 27 - 18 = 9 in the article's signed form). The normal
        // approximation with tie and continuity corrections: z = (27 - 22.5 - 0.5) / sqrt(71.25 - 6/48) = 0.474295,
        // p = erfc(z / sqrt 2) = 0.635289 (computed with Python's math.erfc); R's wilcox.test(x1, x2, paired = TRUE)
        // uses the same corrections.
        double[] x1 = [125, 115, 130, 140, 140, 115, 140, 125, 140, 135];
        double[] x2 = [110, 122, 125, 120, 140, 124, 123, 137, 135, 145];

        var result = WilcoxonSignedRank.Test([.. x1.Zip(x2, (a, b) => a - b)]);

        Assert.Equal(WilcoxonMethod.Normal, result.Method);
        Assert.Equal((9, 1), (result.NonZero, result.Zeros));
        Assert.Equal(27, result.WPlus);
        Assert.Equal(0.6352893, result.PValue!.Value, 6);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(9)]
    [InlineData(14)]
    [InlineData(18)]
    public void Exact_EqualsEnumerationOfEverySignAssignment(int n)
    {
        var random = new Random(1000 + n);
        for (var trial = 0; trial < 5; trial++)
        {
            // Distinct magnitudes (no ties), random signs.
            var magnitudes = Enumerable.Range(1, n).Select(i => i + random.NextDouble() * 0.5).OrderBy(_ => random.Next()).ToArray();
            var differences = magnitudes.Select(m => random.Next(2) == 0 ? -m : m).ToArray();

            var result = WilcoxonSignedRank.Test(differences);

            Assert.Equal(WilcoxonMethod.Exact, result.Method);
            Assert.Equal(EnumeratedP(differences), result.PValue!.Value, 12);
        }
    }

    [Fact]
    public void Normal_WithTies_IsCloseToThePermutationDistribution()
    {
        // Ties force the normal approximation; the exact conditional distribution over all 2^12 sign assignments of
        // the observed mid-ranks is an independent check of it (the two agree to a few hundredths at n = 12).
        double[] differences = [0.5, -0.5, 1.0, 1.0, 2.0, -2.0, 3.0, 1.5, 2.5, 4.0, -0.25, 3.5];

        var result = WilcoxonSignedRank.Test(differences);

        Assert.Equal(WilcoxonMethod.Normal, result.Method);
        var exact = EnumeratedP(differences);
        Assert.InRange(result.PValue!.Value, exact - 0.03, exact + 0.03);
    }

    [Fact]
    public void Normal_ForManyPairs_WithoutTies_MatchesTheNormalFormula()
    {
        // 60 distinct differences (over the exact limit): the textbook z, and the tail by Simpson integration of the
        // normal density (independent of the erfc fit under test).
        var differences = Enumerable.Range(1, 60).Select(i => (i % 3 == 0 ? -1.0 : 1.0) * (i + 0.1)).ToArray();
        var n = 60.0;
        var wPlus = Enumerable.Range(1, 60).Where(i => i % 3 != 0).Sum();
        var z = (wPlus - (n * (n + 1) / 4) - 0.5) / Math.Sqrt(n * (n + 1) * ((2 * n) + 1) / 24);

        var result = WilcoxonSignedRank.Test(differences);

        Assert.Equal(WilcoxonMethod.Normal, result.Method);
        Assert.Equal(wPlus, result.WPlus);
        Assert.Equal(1 - (2 * SimpsonNormalMass(Math.Abs(z))), result.PValue!.Value, 6);
    }

    [Fact]
    public void DifferencesEqualButForRounding_AreTies()
    {
        // 0.74 - 0.71 and 0.71 - 0.68 are both 0.03, but not the same double (accuracies k/N give such pairs); ranked
        // as distinct values they would get the exact test with an arbitrary order between them.
        Assert.NotEqual(0.74 - 0.71, 0.71 - 0.68);

        var result = WilcoxonSignedRank.Test([0.74 - 0.71, 0.71 - 0.68, -0.01, 0.05]);

        Assert.Equal(WilcoxonMethod.Normal, result.Method);
        Assert.Equal(2.5 + 2.5 + 4, result.WPlus);
    }

    [Fact]
    public void AllZero_HasNoPValue()
    {
        var result = WilcoxonSignedRank.Test([0.0, 0.0, 0.0]);

        Assert.Equal(WilcoxonMethod.None, result.Method);
        Assert.Null(result.PValue);
        Assert.Equal(3, result.Zeros);
    }

    [Fact]
    public void NonFinite_IsRejected()
    {
        Assert.Throws<ArgumentException>(() => WilcoxonSignedRank.Test([1.0, double.NaN]));
    }

    [Theory]
    [InlineData(1.0, 0.157299207050285)]
    [InlineData(0.5, 0.479500122186953)]
    [InlineData(2.0, 0.004677734981047)]
    [InlineData(-1.0, 1.842700792949715)]
    public void Erfc_MatchesTabulatedValues(double x, double expected)
    {
        // Reference values from Python's math.erfc (the C library's erfc).
        Assert.InRange(NormalDistribution.Erfc(x), expected * (1 - 1.2e-7), expected * (1 + 1.2e-7));
    }

    /// <summary>Two-sided p by brute force: every sign assignment of the observed ranks (mid-ranks for ties), zeros dropped.</summary>
    private static double EnumeratedP(double[] differences)
    {
        var nonZero = differences.Where(d => d != 0).ToArray();
        var abs = nonZero.Select(Math.Abs).ToArray();
        var ranks = abs.Select(a => abs.Count(b => b < a) + ((abs.Count(b => b == a) + 1) / 2.0)).ToArray();
        var observed = ranks.Where((_, i) => nonZero[i] > 0).Sum();
        long below = 0, above = 0, total = 1L << ranks.Length;
        for (long mask = 0; mask < total; mask++)
        {
            var w = 0.0;
            for (var i = 0; i < ranks.Length; i++)
            {
                if ((mask & (1L << i)) != 0)
                {
                    w += ranks[i];
                }
            }

            below += w <= observed + 1e-9 ? 1 : 0;
            above += w >= observed - 1e-9 ? 1 : 0;
        }

        return Math.Min(1.0, 2.0 * Math.Min(below, above) / total);
    }

    /// <summary>P(0 &lt;= Z &lt;= z) by composite Simpson's rule on the standard normal density.</summary>
    private static double SimpsonNormalMass(double z)
    {
        const int Intervals = 20_000;
        var h = z / Intervals;
        double Density(double t) => Math.Exp(-t * t / 2) / Math.Sqrt(2 * Math.PI);
        var sum = Density(0) + Density(z);
        for (var i = 1; i < Intervals; i++)
        {
            sum += (i % 2 == 1 ? 4 : 2) * Density(i * h);
        }

        return sum * h / 3;
    }
}
