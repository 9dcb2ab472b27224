using ALoRA.Abstractions.Sweeps;
using ALoRA.Grains.Training;
using ALoRA.Sweeps.Planning;

namespace ALoRA.Grains.Simulation;

/// <summary>
/// The time model of the simulated engine (docs/operations.md, "The simulated engine"): how long each part of a trial takes on one device, in
/// simulated seconds, from the model's size and the device's FLOP/s. With P the base model's parameter count
/// (<see cref="ModelShape.BaseParameters"/>), T the tokens of one optimizer step (batch size x sequence length), F the device's FLOP/s
/// and U its utilisation:
/// <list type="bullet">
/// <item>a training step: (4 + 2c) P T / (F U) — forward 2PT, the backward pass through the frozen base 2PT (no weight
/// gradients), plus a second forward 2PT with gradient checkpointing (c = 1);</item>
/// <item>an evaluation: 2 P x dev examples x sequence length / (F U);</item>
/// <item>an allocation round of <c>alora</c>: <see cref="ScoringCost.ForwardsPerRound"/> forward-equivalents of the
/// validation batch (val_batch_size x sequence length tokens), each 2 P tokens FLOPs; the other allocating methods score
/// from the training pass (no extra work);</item>
/// <item>a checkpoint and the model load at the start of each attempt: fixed (<see cref="SimulationOptions"/>).</item>
/// </list>
/// Attempts that share a device (slots) each run <see cref="SharingSlowdown"/> times slower.
/// Pure arithmetic: the same inputs give the same plan.
/// </summary>
public static class SimulatedTimeModel
{
    /// <summary>LLaMA-7B's shape (its Hugging Face config.json): 6,738,415,616 parameters.</summary>
    public static ModelShape Llama7B { get; } = new()
    {
        HiddenSize = 4096,
        IntermediateSize = 11008,
        NumHiddenLayers = 32,
        NumAttentionHeads = 32,
        NumKeyValueHeads = 32,
        HeadDim = 128,
        VocabSize = 32000,
        MaxPositionEmbeddings = 2048,
    };

    /// <summary>
    /// The plan of <paramref name="trial"/>: steps, when its evaluations, rounds and checkpoints fall, and how long each part takes.
    /// </summary>
    /// <param name="trial">The trial.</param>
    /// <param name="shape">Its model's sizes.</param>
    /// <param name="trainExamples">Examples of the training split (for the default batch size and the steps per epoch).</param>
    /// <param name="devExamples">Examples of the dev split (before <c>max_dev_examples</c>).</param>
    /// <param name="options">The device and the fixed costs.</param>
    /// <exception cref="ArgumentException">The trial trains no step, or its first allocation round falls after its last step.</exception>
    public static SimulatedTrialPlan Plan(TrialSpec trial, ModelShape shape, int trainExamples, int devExamples, SimulationOptions options)
    {
        ArgumentNullException.ThrowIfNull(trial);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(options);
        var t = trial.Training;
        var batch = t.BatchSize ?? TrainingMemoryEstimate.DefaultBatchSize(trainExamples);
        var sequence = Math.Min(t.MaxSequenceLength, shape.MaxPositionEmbeddings);
        var stepsPerEpoch = Math.Max(1, (trainExamples + batch - 1) / batch);
        var totalSteps = (int)Math.Min(t.MaxSteps ?? int.MaxValue, (long)t.MaxEpochs * stepsPerEpoch);
        if (totalSteps < 1)
        {
            throw new ArgumentException($"trial {trial.TrialId}: no training step (max_steps {t.MaxSteps}, {t.MaxEpochs} epochs of {stepsPerEpoch} steps)");
        }

        var parameters = (double)shape.BaseParameters;
        var flops = options.DeviceFlops * options.Utilization;
        var dev = Math.Min(devExamples, t.MaxDevExamples ?? int.MaxValue);
        var stepSeconds = (t.GradientCheckpointing ? 6 : 4) * parameters * batch * sequence / flops;
        var evalSeconds = 2 * parameters * dev * sequence / flops;
        var (roundSteps, roundSeconds) = Rounds(trial, shape, stepsPerEpoch, totalSteps, sequence, parameters, flops);
        return new SimulatedTrialPlan
        {
            TotalSteps = totalSteps,
            BatchSize = batch,
            SequenceLength = sequence,
            StepSeconds = stepSeconds,
            EvaluationSeconds = evalSeconds,
            RoundSeconds = roundSeconds,
            CheckpointSeconds = options.CheckpointSeconds,
            LoadSeconds = options.LoadSeconds,
            EvalEverySteps = t.EvalEverySteps,
            CheckpointEverySteps = t.CheckpointEverySteps,
            RoundSteps = roundSteps,
            BaseParameters = (long)parameters,
            Layers = shape.NumHiddenLayers,
            AdapterParameters = AdapterParameters(shape, trial.Lora),
        };
    }

    /// <summary>
    /// How many times slower each of <paramref name="sharing"/> attempts on one device runs than one alone: alone an
    /// attempt reaches utilisation U; k together reach min(<paramref name="sharedUtilization"/>, k U), each getting a
    /// k-th of it: k U / min(shared, k U). 1 for k &lt;= 1.
    /// </summary>
    /// <param name="sharing">Attempts running on the device (this one included).</param>
    /// <param name="utilization">U, one attempt's utilisation.</param>
    /// <param name="sharedUtilization">What k attempts reach together at most.</param>
    public static double SharingSlowdown(int sharing, double utilization, double sharedUtilization) =>
        sharing <= 1 ? 1 : sharing * utilization / Math.Max(utilization, Math.Min(sharedUtilization, sharing * utilization));

    /// <summary>Trainable LoRA parameters: r (in + out) for every adapted projection of every layer.</summary>
    /// <param name="shape">The model's sizes.</param>
    /// <param name="lora">The adapter settings.</param>
    public static long AdapterParameters(ModelShape shape, LoraSettings lora)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(lora);
        var perLayer = lora.TargetModules.Distinct(StringComparer.Ordinal).Sum(m =>
        {
            var (inFeatures, outFeatures) = shape.ProjectionFeatures(m);
            return inFeatures + outFeatures;
        });
        return lora.R * perLayer * shape.NumHiddenLayers;
    }

    /// <summary>The steps of the allocation rounds (the engine's rule: k1, k1 + k2, ..., n_rounds of them, before the last step) and the simulated seconds of one.</summary>
    private static (IReadOnlyList<int> Steps, double Seconds) Rounds(TrialSpec trial, ModelShape shape, int stepsPerEpoch, int totalSteps, int sequence,
                                                                    double parameters, double flops)
    {
        if (!TrialMethods.Allocates(trial.Method))
        {
            return ([], 0);
        }

        var a = trial.Allocation ?? new AllocationSettings();
        var k1 = TrialSpecMapping.Length(a.K1).ToSteps(stepsPerEpoch);
        var k2 = TrialSpecMapping.Length(a.K2).ToSteps(stepsPerEpoch);
        if (k1 >= totalSteps)
        {
            throw new ArgumentException($"trial {trial.TrialId}: alora.k1 = {a.K1} ({k1} steps) leaves no allocation round before training ends at step {totalSteps}");
        }

        var steps = new List<int>();
        for (var round = 0; round < a.Rounds; round++)
        {
            var step = k1 + (k2 * round);
            if (step > totalSteps)
            {
                break;
            }

            steps.Add(step);
        }

        var modules = trial.Lora.TargetModules.Distinct(StringComparer.Ordinal).Count();
        var ranks = trial.Lora.R * modules * shape.NumHiddenLayers;
        var forwards = trial.Method == TrialMethods.Alora
            ? ScoringCost.ForwardsPerRound(a.Scorer, ranks, shape.NumHiddenLayers, a.RanksPerRound ?? modules, a.ShortlistFactor)
            : 0;
        return (steps, forwards * 2 * parameters * a.ValBatchSize * sequence / flops);
    }
}
