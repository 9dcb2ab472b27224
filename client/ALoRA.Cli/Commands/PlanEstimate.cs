using ALoRA.Abstractions.Sweeps;
using ALoRA.Sweeps.Planning;

namespace ALoRA.Cli.Commands;

/// <summary>
/// What <c>alora plan</c> prints per trial besides its settings: the device memory it needs
/// (<see cref="TrainingMemoryEstimate"/>; activations with and without checkpointing, the scoring passes of an
/// <c>alora</c> trial) and the forwards per allocation round of its scorer (<see cref="ScoringCost"/>).
/// </summary>
/// <param name="BatchSize">The training batch (the engine's choice when the spec leaves it null).</param>
/// <param name="MicroBatchSize">Rows of one forward/backward pass.</param>
/// <param name="SequenceLength">Tokens per row the estimate assumes: <c>max_sequence_length</c> capped at the model's <c>max_position_embeddings</c>.</param>
/// <param name="BaseDtypeBytes">Bytes per value of the frozen base.</param>
/// <param name="GradientCheckpointing">Whether the trial checkpoints activations (the total uses that setting).</param>
/// <param name="WeightBytes">Frozen base weights.</param>
/// <param name="AdapterBytes">Adapter, best-so-far copy, gradients and AdamW moments.</param>
/// <param name="ActivationBytes">Activations of one micro-batch without checkpointing.</param>
/// <param name="CheckpointedActivationBytes">The same with activation checkpointing per decoder layer.</param>
/// <param name="ScoringBytes">The scoring passes of one allocation round (0 for trials that score no ranks).</param>
/// <param name="TotalBytes">Weights + adapter + the larger of the activations (as the trial runs) and the scoring passes.</param>
/// <param name="Scorer">The AB-LoRA scorer (null for other methods).</param>
/// <param name="ForwardsPerRound">Forward-equivalents of B_val per allocation round of that scorer (null without one).</param>
internal sealed record PlanEstimate(
    int BatchSize, int MicroBatchSize, int SequenceLength, int BaseDtypeBytes, bool GradientCheckpointing, long WeightBytes, long AdapterBytes,
    long ActivationBytes, long CheckpointedActivationBytes, long ScoringBytes, long TotalBytes, string? Scorer, double? ForwardsPerRound)
{
    /// <summary>Estimates <paramref name="trial"/>.</summary>
    /// <param name="model">The model's sizes.</param>
    /// <param name="trial">The trial.</param>
    /// <param name="trainExamples">Its training examples (counted up to 10,000).</param>
    public static PlanEstimate For(ModelShape model, TrialSpec trial, int trainExamples)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(trial);
        var batch = trial.Training.BatchSize ?? TrainingMemoryEstimate.DefaultBatchSize(trainExamples);
        var sequence = TrainingMemoryEstimate.SequenceLength(trial.Training.MaxSequenceLength, model);

        // model.dtype null is the device's default (float32 on CPU, bfloat16 on CUDA): estimated at float32, the larger.
        var dtypeBytes = TrainingMemoryEstimate.DtypeBytes(trial.DType);
        var checkpointing = trial.Training.GradientCheckpointing;
        var micro = Math.Max(1, batch / Math.Max(1, trial.Training.GradientAccumulationSteps));

        var scored = trial.Method == TrialMethods.Alora && trial.Allocation is not null;
        var scoringBatch = scored ? trial.Allocation!.ValBatchSize : 0;
        TrainingMemoryEstimate Estimate(bool withCheckpointing) => TrainingMemoryEstimate.For(
            model, trial.Lora.R, trial.Lora.TargetModules, batch, sequence, dtypeBytes, withCheckpointing, micro, scoringBatch);
        var plain = Estimate(false);
        var checkpointed = Estimate(true);
        var used = checkpointing ? checkpointed : plain;
        string? scorer = null;
        double? forwards = null;
        if (scored)
        {
            var a = trial.Allocation!;
            var ranks = trial.Lora.R * trial.Lora.TargetModules.Count * model.NumHiddenLayers;
            scorer = a.Scorer;
            forwards = ScoringCost.ForwardsPerRound(a.Scorer, ranks, model.NumHiddenLayers, a.RanksPerRound ?? trial.Lora.TargetModules.Count, a.ShortlistFactor);
        }

        return new PlanEstimate(
            batch, micro, sequence, dtypeBytes, checkpointing, plain.WeightBytes, plain.AdapterBytes + plain.GradientBytes + plain.OptimizerBytes,
            plain.ActivationBytes, checkpointed.ActivationBytes, plain.ScoringBytes, used.TotalBytes, scorer, forwards);
    }

    /// <summary>The estimate without its trial: equal for trials that need the same (grouped on one line of the text output).</summary>
    public string GroupKey() => string.Join('|', BatchSize, MicroBatchSize, SequenceLength, BaseDtypeBytes, GradientCheckpointing, WeightBytes, AdapterBytes,
        ActivationBytes, CheckpointedActivationBytes, ScoringBytes, TotalBytes, Scorer, ForwardsPerRound);
}
