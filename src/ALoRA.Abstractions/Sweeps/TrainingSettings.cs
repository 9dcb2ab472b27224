namespace ALoRA.Abstractions.Sweeps;

/// <summary>
/// Optimisation settings of a trial. A default instance holds the defaults of the sweep-spec schema
/// (docs/sweep-spec.md; a test keeps them equal), the paper's where the paper has one.
/// </summary>
[GenerateSerializer, Immutable, Alias("alora.TrainingSettings")]
public sealed record TrainingSettings
{
    /// <summary>Peak AdamW learning rate of the adapter weights. Default 1e-4.</summary>
    [Id(0)]
    public double LearningRate { get; init; } = 1e-4;

    /// <summary>Training batch size. Default null: 16 when the training split has fewer than 10,000 examples, else 128.</summary>
    [Id(1)]
    public int? BatchSize { get; init; }

    /// <summary>Maximum number of training epochs. Default 10.</summary>
    [Id(2)]
    public int MaxEpochs { get; init; } = 10;

    /// <summary>Hard cap on optimizer steps, applied on top of <see cref="MaxEpochs"/>. Default null (no cap).</summary>
    [Id(3)]
    public int? MaxSteps { get; init; }

    /// <summary>Fraction of the total steps spent in linear warm-up, in [0, 1). Default 0.06.</summary>
    [Id(4)]
    public double WarmupRatio { get; init; } = 0.06;

    /// <summary>AdamW decoupled weight decay. Default 0.0.</summary>
    [Id(5)]
    public double WeightDecay { get; init; }

    /// <summary>Evaluate on the dev split every this many steps. Default 200.</summary>
    [Id(6)]
    public int EvalEverySteps { get; init; } = 200;

    /// <summary>Early stopping: stop after this many evaluations without improvement. Default 10.</summary>
    [Id(7)]
    public int Patience { get; init; } = 10;

    /// <summary>
    /// Inputs are truncated to this many tokens. Default 2,048 (the paper's); a model with fewer position embeddings
    /// caps it, and the trial reports the length it used.
    /// </summary>
    [Id(8)]
    public int MaxSequenceLength { get; init; } = 2048;

    /// <summary>
    /// Seed of every random choice in the trial (initialisation, data order, dropout, validation batches). Default 42,
    /// the spec's default <c>seeds: [42]</c>; a sweep always sets it.
    /// </summary>
    [Id(9)]
    public long Seed { get; init; } = 42;

    /// <summary>Evaluate on at most this many dev examples (the first ones). Default null (the whole split).</summary>
    [Id(10)]
    public int? MaxDevExamples { get; init; }

    /// <summary>Write a resumable checkpoint every this many steps; null writes none. Default 200.</summary>
    [Id(11)]
    public int? CheckpointEverySteps { get; init; } = 200;

    /// <summary>Recompute each decoder layer's activations in the backward pass instead of keeping them. Default false.</summary>
    [Id(12)]
    public bool GradientCheckpointing { get; init; }

    /// <summary>Micro-batches per optimizer step; <see cref="BatchSize"/> stays the effective batch and must be divisible by it. Default 1.</summary>
    [Id(13)]
    public int GradientAccumulationSteps { get; init; } = 1;
}
