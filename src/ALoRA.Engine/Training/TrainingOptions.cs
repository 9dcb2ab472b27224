namespace ALoRA.Engine.Training;

/// <summary>
/// The supervised fine-tuning protocol (docs/alora-method.md section 5). Every default is the paper's unless marked.
/// The settings a sweep spec can set have the spec schema's defaults and ranges (docs/sweep-spec.md); a test in
/// ALoRA.Grains.Tests keeps them equal.
/// </summary>
public sealed record TrainingOptions
{
    /// <summary>Peak learning rate of AdamW (paper: 1e-4).</summary>
    public double LearningRate { get; init; } = 1e-4;

    /// <summary>Fraction of the total steps used for linear warm-up (paper: 6 %).</summary>
    public double WarmupRatio { get; init; } = 0.06;

    /// <summary>Batch size; null = the paper's rule: 16 for fewer than 10,000 training examples, else 128.</summary>
    public int? BatchSize { get; init; }

    /// <summary>Maximum epochs (paper: 10).</summary>
    public int MaxEpochs { get; init; } = 10;

    /// <summary>Stop after this many optimizer steps in total, if set (also shortens the schedule). Not in the paper.</summary>
    public int? MaxSteps { get; init; }

    /// <summary>Evaluate on dev every N steps (paper: 200).</summary>
    public int EvalEverySteps { get; init; } = 200;

    /// <summary>Stop after this many evaluations without a lower dev loss (paper: 10).</summary>
    public int Patience { get; init; } = 10;

    /// <summary>
    /// Maximum tokens per sequence, BOS and EOS included (paper: 2,048). A model with fewer position embeddings caps it
    /// (<see cref="ForModel"/>); batches are padded only to their longest row.
    /// </summary>
    public int MaxSequenceLength { get; init; } = DefaultMaxSequenceLength;

    /// <summary>Seed for data order, adapter initialisation and dropout (paper: five seeds, median reported).</summary>
    public long Seed { get; init; } = 42;

    /// <summary>Gradient clipping by global norm (choice: 1.0, Hugging Face Trainer's default).</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>AdamW decoupled weight decay (choice: 0, Hugging Face Trainer's default).</summary>
    public double WeightDecay { get; init; }

    /// <summary>AdamW beta1.</summary>
    public double AdamBeta1 { get; init; } = 0.9;

    /// <summary>AdamW beta2.</summary>
    public double AdamBeta2 { get; init; } = 0.999;

    /// <summary>AdamW epsilon.</summary>
    public double AdamEpsilon { get; init; } = 1e-8;

    /// <summary>Batch size for dev/test evaluation; null = same as training.</summary>
    public int? EvalBatchSize { get; init; }

    /// <summary>Use at most this many dev examples for evaluation (null = all).</summary>
    public int? MaxDevExamples { get; init; }

    /// <summary>
    /// Write a resumable checkpoint every N steps when the trainer has a checkpoint folder (choice: 200, the evaluation
    /// interval; null = only at the end and on cancellation).
    /// </summary>
    public int? CheckpointEverySteps { get; init; } = 200;

    /// <summary>
    /// Recompute each decoder layer's activations in the backward pass instead of keeping them (choice: off): activation
    /// memory drops to the layers' inputs plus one layer, for about one more forward per step. Gradients are the same.
    /// </summary>
    public bool GradientCheckpointing { get; init; }

    /// <summary>
    /// Micro-batches per optimizer step (choice: 1): each batch of <see cref="BatchSize"/> rows runs as this many
    /// micro-batches of <c>BatchSize / GradientAccumulationSteps</c> rows whose gradients add up to the batch's, so the
    /// update is the one of the whole batch; the batch size must be divisible by it. Steps, schedules and intervals stay in
    /// optimizer steps.
    /// </summary>
    public int GradientAccumulationSteps { get; init; } = 1;

    /// <summary>Default <see cref="MaxSequenceLength"/>: the paper's 2,048 tokens.</summary>
    public const int DefaultMaxSequenceLength = 2048;

    /// <summary>
    /// Largest batch size (training, evaluation and the allocation's validation batch): a batch multiplies activation
    /// memory; the sweep schema has the same bound (docs/sweep-spec.md, "Limits").
    /// </summary>
    public const int MaxBatchSize = 4096;

    /// <summary>Largest <see cref="MaxSequenceLength"/> (128 Ki tokens); the sweep schema has the same bound.</summary>
    public const int MaxSequenceLengthLimit = 131_072;

    /// <summary>The effective batch size for <paramref name="trainExamples"/> training examples.</summary>
    public int ResolveBatchSize(int trainExamples) => BatchSize ?? (trainExamples < 10_000 ? 16 : 128);

    /// <summary>
    /// The effective batch size for <paramref name="trainExamples"/> training examples, checked against
    /// <see cref="GradientAccumulationSteps"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The batch (the default one too) is not divisible by the accumulation steps; names both fields.</exception>
    public int ResolveAccumulatedBatchSize(int trainExamples)
    {
        var batch = ResolveBatchSize(trainExamples);
        if (batch % GradientAccumulationSteps != 0)
        {
            var source = BatchSize is null ? $"the default batch_size for {trainExamples} training examples" : "batch_size";
            throw new ArgumentException(
                $"gradient_accumulation_steps = {GradientAccumulationSteps} does not divide {source} = {batch}; " +
                "set batch_size to a multiple of gradient_accumulation_steps");
        }

        return batch;
    }

    /// <summary>
    /// These options for <paramref name="config"/>: <see cref="MaxSequenceLength"/> capped at the model's
    /// max_position_embeddings (the rotary tables go no further).
    /// </summary>
    public TrainingOptions ForModel(Model.LlamaConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return MaxSequenceLength > config.MaxPositionEmbeddings ? this with { MaxSequenceLength = config.MaxPositionEmbeddings } : this;
    }

    /// <summary>Checks every field; the message names each bad field.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        void Check(bool ok, string message)
        {
            if (!ok)
            {
                errors.Add(message);
            }
        }

        Check(LearningRate > 0 && double.IsFinite(LearningRate), $"learning_rate must be > 0, got {LearningRate}");
        Check(WarmupRatio is >= 0 and < 1, $"warmup_ratio must be in [0, 1), got {WarmupRatio}");
        Check(BatchSize is null or (> 0 and <= MaxBatchSize), $"batch_size must be in [1, {MaxBatchSize}], got {BatchSize}");
        Check(MaxEpochs > 0, $"max_epochs must be > 0, got {MaxEpochs}");
        Check(MaxSteps is null or > 0, $"max_steps must be > 0, got {MaxSteps}");
        Check(EvalEverySteps > 0, $"eval_every_steps must be > 0, got {EvalEverySteps}");
        Check(Patience > 0, $"patience must be > 0, got {Patience}");
        Check(MaxSequenceLength is >= 8 and <= MaxSequenceLengthLimit, $"max_sequence_length must be in [8, {MaxSequenceLengthLimit}], got {MaxSequenceLength}");
        Check(MaxGradNorm > 0, $"max_grad_norm must be > 0, got {MaxGradNorm}");
        Check(WeightDecay >= 0, $"weight_decay must be >= 0, got {WeightDecay}");
        Check(AdamBeta1 is >= 0 and < 1, $"adam_beta1 must be in [0, 1), got {AdamBeta1}");
        Check(AdamBeta2 is >= 0 and < 1, $"adam_beta2 must be in [0, 1), got {AdamBeta2}");
        Check(AdamEpsilon > 0, $"adam_epsilon must be > 0, got {AdamEpsilon}");
        Check(EvalBatchSize is null or (> 0 and <= MaxBatchSize), $"eval_batch_size must be in [1, {MaxBatchSize}], got {EvalBatchSize}");
        Check(MaxDevExamples is null or > 0, $"max_dev_examples must be > 0, got {MaxDevExamples}");
        Check(CheckpointEverySteps is null or > 0, $"checkpoint_every_steps must be > 0, got {CheckpointEverySteps}");
        Check(GradientAccumulationSteps is >= 1 and <= MaxBatchSize, $"gradient_accumulation_steps must be in [1, {MaxBatchSize}], got {GradientAccumulationSteps}");
        Check(BatchSize is null || GradientAccumulationSteps < 1 || BatchSize % GradientAccumulationSteps == 0,
            $"batch_size = {BatchSize} is not divisible by gradient_accumulation_steps = {GradientAccumulationSteps}");
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid training options: " + string.Join("; ", errors));
        }
    }
}
