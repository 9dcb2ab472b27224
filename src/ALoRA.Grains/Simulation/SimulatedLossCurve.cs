using System.Globalization;
using ALoRA.Abstractions.Sweeps;
using ALoRA.Sweeps.Statistics;

namespace ALoRA.Grains.Simulation;

/// <summary>
/// The seeded parametric loss family of the simulated engine (docs/operations.md, "The simulated engine"). A trial's expected loss after t
/// steps is L(t) = L_inf + A (1 + s t)^-alpha with A = <see cref="Amplitude"/>, alpha = <see cref="Exponent"/>,
/// s = 0.1 sqrt(learning_rate / 1e-4) (a higher rate descends faster), and a floor that depends on the configuration:
/// L_inf = 0.3 + 0.25 log10(learning_rate / 3e-4)^2 + 0.015 |log2(r / 16)| + 0.01 [method is lora]
/// + 0.02 z, where z is a standard normal drawn from the trial's configuration hash and seed (two seeds of one
/// configuration differ a little, two configurations more). Observed values add seeded Gaussian noise: training loss
/// sd 0.05, dev loss (evaluations and rounds) L(t) + 0.05 with sd 0.01, test loss at the end L(T) + 0.05 with sd 0.01.
/// The dev metric is exp(-dev loss) (higher is better). Every draw is a pure function of the trial and the step, so
/// a resumed attempt reports exactly what a straight one does.
/// </summary>
public sealed class SimulatedLossCurve
{
    /// <summary>A in L(t).</summary>
    public const double Amplitude = 2.0;

    /// <summary>alpha in L(t).</summary>
    public const double Exponent = 0.5;

    /// <summary>Standard deviation of the training loss around L(t).</summary>
    public const double TrainNoise = 0.05;

    /// <summary>Standard deviation of the dev and test losses around L(t) + <see cref="GeneralizationGap"/>.</summary>
    public const double EvalNoise = 0.01;

    /// <summary>Dev and test losses sit this much above L(t).</summary>
    public const double GeneralizationGap = 0.05;

    private readonly ulong _key;

    /// <summary>The curve of <paramref name="trial"/>.</summary>
    public SimulatedLossCurve(TrialSpec trial)
    {
        ArgumentNullException.ThrowIfNull(trial);
        var lr = trial.Training.LearningRate;
        _key = SplitMix64.Fnv1A(string.Create(CultureInfo.InvariantCulture, $"{trial.ConfigHash}|{trial.Method}|{lr:R}|{trial.Lora.R}|{trial.Training.Seed}"));
        Rate = 0.1 * Math.Sqrt(lr / 1e-4);
        QualityDraw = Normal(_key, 0, 0);
        Floor = 0.3 + (0.25 * Math.Pow(Math.Log10(lr / 3e-4), 2)) + (0.015 * Math.Abs(Math.Log2(trial.Lora.R / 16.0)))
            + (trial.Method == TrialMethods.Lora ? 0.01 : 0) + (0.02 * QualityDraw);
    }

    /// <summary>L_inf: the loss the trial would reach with endless training.</summary>
    public double Floor { get; }

    /// <summary>s: how fast the loss falls (0.1 sqrt(learning_rate / 1e-4)).</summary>
    public double Rate { get; }

    /// <summary>z: the trial's standard-normal quality draw.</summary>
    public double QualityDraw { get; }

    /// <summary>L(t), without noise.</summary>
    public double Expected(int step) => Floor + (Amplitude * Math.Pow(1 + (Rate * step), -Exponent));

    /// <summary>The training loss reported for <paramref name="step"/>.</summary>
    public double TrainLoss(int step) => Expected(step) + (TrainNoise * Normal(_key, step, 1));

    /// <summary>The dev loss of an evaluation after <paramref name="step"/>.</summary>
    public double DevLoss(int step) => Expected(step) + GeneralizationGap + (EvalNoise * Normal(_key, step, 2));

    /// <summary>The dev loss of an allocation round after <paramref name="step"/> (its own draw).</summary>
    public double RoundDevLoss(int step, int round) => Expected(step) + GeneralizationGap + (EvalNoise * Normal(_key, step, 3 + round));

    /// <summary>The test loss of a trial that ended after <paramref name="step"/>.</summary>
    public double TestLoss(int step) => Expected(step) + GeneralizationGap + (EvalNoise * Normal(_key, step, 1000));

    /// <summary>The metric of a loss: exp(-loss).</summary>
    public static double Metric(double loss) => Math.Exp(-loss);

    /// <summary>A standard normal draw (Box-Muller over two SplitMix64 outputs), a pure function of its arguments.</summary>
    internal static double Normal(ulong key, int step, int channel)
    {
        var random = new SplitMix64(unchecked((long)(key ^ ((ulong)(uint)step * 0x9E3779B97F4A7C15UL) ^ ((ulong)(uint)channel << 32))));
        var u1 = ToUnit(random.Next());
        var u2 = ToUnit(random.Next());
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static double ToUnit(ulong bits) => ((bits >> 11) + 0.5) / (1UL << 53); // (0, 1)
}
