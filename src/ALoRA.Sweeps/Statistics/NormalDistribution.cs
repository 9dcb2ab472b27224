namespace ALoRA.Sweeps.Statistics;

/// <summary>The standard normal distribution's tail, for the large-sample Wilcoxon p-value.</summary>
public static class NormalDistribution
{
    /// <summary>
    /// Two-sided tail probability P(|Z| &gt;= |z|) = erfc(|z| / sqrt 2) of a standard normal Z. erfc is the Chebyshev
    /// fit of Press et al., Numerical Recipes (2nd ed., section 6.2, erfcc), relative error below 1.2e-7 everywhere.
    /// </summary>
    /// <param name="z">A standard normal deviate.</param>
    public static double TwoSidedTail(double z) => Math.Min(1.0, Erfc(Math.Abs(z) / Math.Sqrt(2.0)));

    /// <summary>Complementary error function erfc(x) (the fit of <see cref="TwoSidedTail"/>; erfc(-x) = 2 - erfc(x)).</summary>
    /// <param name="x">Any finite number.</param>
    public static double Erfc(double x)
    {
        var z = Math.Abs(x);
        var t = 1.0 / (1.0 + (0.5 * z));
        var poly = -z * z - 1.26551223 + (t * (1.00002368 + (t * (0.37409196 + (t * (0.09678418 + (t * (-0.18628806 + (t * (0.27886807
            + (t * (-1.13520398 + (t * (1.48851587 + (t * (-0.82215223 + (t * 0.17087277)))))))))))))))));
        var value = t * Math.Exp(poly);
        return x >= 0 ? value : 2.0 - value;
    }
}
