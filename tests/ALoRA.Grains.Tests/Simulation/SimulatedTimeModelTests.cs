using ALoRA.Abstractions.Sweeps;
using ALoRA.Grains.Simulation;
using ALoRA.Sweeps.Planning;

namespace ALoRA.Grains.Tests.Simulation;

/// <summary>The simulated engine's time model against the formulas of docs/operations.md, "The simulated engine", computed here by hand.</summary>
public sealed class SimulatedTimeModelTests : IDisposable
{
    // LLaMA-7B: 6,738,415,616 parameters (the published count of the Hugging Face checkpoint).
    private const double P = 6_738_415_616;
    private const double Flops = 312e12 * 0.4;

    private readonly SimulationSamples _samples = new();

    public void Dispose() => _samples.Dispose();

    [Fact]
    public void Parameters_Llama7B_IsThePublishedCount()
    {
        Assert.Equal(6_738_415_616L, SimulatedTimeModel.Llama7B.BaseParameters);
        Assert.Equal(6_738_415_616L, ModelShape.Load(Path.Combine(_samples.Model, "config.json")).BaseParameters);
    }

    [Fact]
    public void Plan_LoraTrial_StepEvaluationAndCheckpointSecondsFollowTheFormulas()
    {
        var engine = new SimulatedTrainingEngine(SimulationSamples.Options());
        var plan = engine.Plan(_samples.Assignment("t", maxSteps: 100).Spec);

        Assert.Equal(100, plan.TotalSteps);
        Assert.Equal(64 * 512, plan.TokensPerStep);
        // Gradient checkpointing: forward, recomputed forward, backward through the frozen base: 6 P T.
        Assert.Equal(6 * P * 64 * 512 / Flops, plan.StepSeconds, 9);
        // Dev split: half of the 400 validation rows (no test.jsonl), 512 tokens each, one forward.
        Assert.Equal(2 * P * 200 * 512 / Flops, plan.EvaluationSeconds, 9);
        Assert.Empty(plan.RoundSteps);
        Assert.Equal(0, plan.RoundSeconds);

        // 100 steps, evaluations at 20, 40, 60, 80, 100, checkpoints at 25, 50, 75, 100, the load.
        var expected = 60 + (100 * plan.StepSeconds) + (5 * plan.EvaluationSeconds) + (4 * 5.0);
        Assert.Equal(expected, plan.AttemptSeconds(), 6);
        // Resumed after step 50: the load again, then steps 51-100 (evaluations 60, 80, 100; checkpoints 75, 100).
        Assert.Equal(60 + (50 * plan.StepSeconds) + (3 * plan.EvaluationSeconds) + (2 * 5.0), plan.AttemptSeconds(50), 6);
        // A 7B step of 32,768 tokens on an A100 at 40 % utilisation: about 10.6 s.
        Assert.InRange(plan.StepSeconds, 10.5, 10.7);
    }

    [Fact]
    public void Plan_AloraHybridScorer_RoundsAtK1ThenEveryK2_EachCostingItsForwards()
    {
        var engine = new SimulatedTrainingEngine(SimulationSamples.Options());
        var allocation = new AllocationSettings { K1 = "30steps", K2 = "20steps", Rounds = 3, Scorer = "hybrid", ValBatchSize = 32 };
        var plan = engine.Plan(_samples.Assignment("t", TrialMethods.Alora, maxSteps: 100, allocation: allocation).Spec);

        Assert.Equal([30, 50, 70], plan.RoundSteps);
        // hybrid: approx (6 forward-equivalents) + fast over a shortlist of 3 x n_A = 3 x 7 = 21 ranks over 32 layers: 2 + 21 x 33 / 32.
        var forwards = 6 + 2 + (21 * 33.0 / 32);
        Assert.Equal(forwards * 2 * P * 32 * 512 / Flops, plan.RoundSeconds, 6);
        Assert.Equal(plan.SecondsOf(30) - plan.StepSeconds, plan.RoundSeconds, 9); // step 30: its round only
        Assert.Equal(3, plan.RoundsThrough(100));
    }

    [Fact]
    public void Plan_EpochsWithoutMaxSteps_StepsPerEpochFromTheTrainingRows()
    {
        var engine = new SimulatedTrainingEngine(SimulationSamples.Options());
        var spec = _samples.Assignment("t").Spec;
        spec = spec with { Training = spec.Training with { MaxSteps = null, MaxEpochs = 2, BatchSize = null } };
        var plan = engine.Plan(spec);

        // 1000 rows (< 10,000: batch 16): 63 batches per epoch, two epochs.
        Assert.Equal(16, plan.BatchSize);
        Assert.Equal(126, plan.TotalSteps);
    }

    [Fact]
    public void Plan_IsDeterministic()
    {
        var spec = _samples.Assignment("t", TrialMethods.Alora, allocation: new AllocationSettings { K1 = "10steps", K2 = "10steps", Rounds = 2 }).Spec;
        Assert.Equal(
            new SimulatedTrainingEngine(SimulationSamples.Options()).Plan(spec).AttemptSeconds(),
            new SimulatedTrainingEngine(SimulationSamples.Options()).Plan(spec).AttemptSeconds());
    }
}
