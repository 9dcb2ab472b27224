using ALoRA.Abstractions.Sweeps;
using ALoRA.Grains.Simulation;

namespace ALoRA.Grains.Tests.Simulation;

/// <summary>The simulated loss family against its formula (docs/operations.md, "The simulated engine"), computed here.</summary>
public sealed class SimulatedLossCurveTests : IDisposable
{
    private readonly SimulationSamples _samples = new();

    public void Dispose() => _samples.Dispose();

    [Theory]
    [InlineData(TrialMethods.Lora, 3e-4, 16)]
    [InlineData(TrialMethods.Alora, 1e-5, 4)]
    [InlineData(TrialMethods.Lora, 3e-3, 64)]
    public void Expected_FollowsTheFloorAndPowerLaw(string method, double lr, int r)
    {
        var curve = new SimulatedLossCurve(_samples.Assignment("t", method, lr: lr, r: r).Spec);
        var floor = 0.3 + (0.25 * Math.Pow(Math.Log10(lr / 3e-4), 2)) + (0.015 * Math.Abs(Math.Log2(r / 16.0)))
            + (method == TrialMethods.Lora ? 0.01 : 0) + (0.02 * curve.QualityDraw);
        Assert.Equal(floor, curve.Floor, 12);
        Assert.InRange(curve.QualityDraw, -6, 6);
        foreach (var t in new[] { 0, 1, 10, 100, 1000, 100_000 })
        {
            Assert.Equal(floor + (2.0 * Math.Pow(1 + (0.1 * Math.Sqrt(lr / 1e-4) * t), -0.5)), curve.Expected(t), 12);
        }
    }

    [Fact]
    public void Observations_AreSeededPureFunctions_OfTheTrialAndStep()
    {
        var spec = _samples.Assignment("t", seed: 7).Spec;
        var a = new SimulatedLossCurve(spec);
        var b = new SimulatedLossCurve(spec with { TrialId = "other-id" });
        var otherSeed = new SimulatedLossCurve(_samples.Assignment("t", seed: 8).Spec);
        var steps = Enumerable.Range(1, 200).ToList();
        Assert.Equal(steps.Select(a.TrainLoss), steps.Select(b.TrainLoss));
        Assert.Equal(steps.Select(a.DevLoss), steps.Select(b.DevLoss));
        Assert.Equal(a.TestLoss(200), b.TestLoss(200));
        Assert.NotEqual(steps.Select(a.TrainLoss), steps.Select(otherSeed.TrainLoss));
        Assert.NotEqual(a.Floor, otherSeed.Floor);
    }

    [Fact]
    public void Noise_HasTheDocumentedSpread()
    {
        var curve = new SimulatedLossCurve(_samples.Assignment("t").Spec);
        var steps = Enumerable.Range(1, 40_000).ToList();
        var train = steps.Select(s => curve.TrainLoss(s) - curve.Expected(s)).ToList();
        var dev = steps.Select(s => curve.DevLoss(s) - curve.Expected(s) - 0.05).ToList();
        // Mean 0 and sd 0.05 (training), 0.01 (dev): the estimates' own errors are ~0.5 % of the sd.
        Assert.InRange(train.Average(), -0.002, 0.002);
        Assert.InRange(Sd(train), 0.048, 0.052);
        Assert.InRange(dev.Average(), -0.0004, 0.0004);
        Assert.InRange(Sd(dev), 0.0096, 0.0104);
        Assert.Equal(Math.Exp(-curve.DevLoss(100)), SimulatedLossCurve.Metric(curve.DevLoss(100)), 12);
    }

    [Fact]
    public void Configurations_DifferInQuality_SoEarlyStoppingHasSomethingToDecide()
    {
        // Over 5 seeds each, a learning rate near 3e-4 ends lower than one 10x too high, and much lower than one 30x too low.
        double Final(double lr) => Enumerable.Range(1, 5).Average(seed => new SimulatedLossCurve(_samples.Assignment("t", lr: lr, seed: seed).Spec).Expected(1000));
        Assert.True(Final(3e-4) < Final(3e-3) - 0.05, $"{Final(3e-4)} vs {Final(3e-3)}");
        Assert.True(Final(3e-4) < Final(1e-5) - 0.2, $"{Final(3e-4)} vs {Final(1e-5)}");
        // The ranking at step 200 already predicts the ranking at the end for these.
        var early = new[] { 1e-5, 3e-4, 3e-3 }.OrderBy(lr => new SimulatedLossCurve(_samples.Assignment("t", lr: lr, seed: 1).Spec).Expected(200)).ToList();
        var late = new[] { 1e-5, 3e-4, 3e-3 }.OrderBy(lr => new SimulatedLossCurve(_samples.Assignment("t", lr: lr, seed: 1).Spec).Expected(1000)).ToList();
        Assert.Equal(late, early);
    }

    private static double Sd(List<double> values)
    {
        var mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
    }
}
