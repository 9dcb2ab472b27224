using System.Globalization;

namespace ALoRA.Sweeps.Planning;

/// <summary>
/// An upper-ish estimate of the memory one LoRA training run of a LLaMA model takes, from the model's
/// <c>config.json</c> (<see cref="ModelShape"/>) and the trial's rank, adapted modules, batch size and sequence length:
/// frozen weights (in the base model's dtype), adapter parameters (with the best-so-far copy), their gradients, AdamW's
/// two moments (all float32), the activations kept for the backward pass of one micro-batch (with or without
/// activation checkpointing per decoder layer) and the scoring passes of an allocation round. The formula and what it
/// leaves out are in docs/engine-notes.md ("Memory estimate"). The runtime's own memory (the .NET process, libtorch,
/// the tokenizer and data) is not included. Pure arithmetic: the thin <c>alora plan</c> and the coordinator's check at
/// submit use the same numbers.
/// </summary>
/// <param name="WeightBytes">Frozen base weights.</param>
/// <param name="AdapterBytes">Adapter parameters plus the copy of the best adapter kept for early stopping.</param>
/// <param name="GradientBytes">Gradients of the adapter parameters.</param>
/// <param name="OptimizerBytes">AdamW's first and second moments.</param>
/// <param name="ActivationBytes">Activations kept for the backward pass of one micro-batch, and the logits.</param>
public sealed record TrainingMemoryEstimate(long WeightBytes, long AdapterBytes, long GradientBytes, long OptimizerBytes, long ActivationBytes)
{
    /// <summary>Bytes of one float32 value: the adapter, its gradients and moments, and the loss are float32.</summary>
    public const int BytesPerValue = 4;

    /// <summary>Variants the fast scorer stacks on the batch axis of one pass (the engine's default).</summary>
    public const int ScoringVariantsPerPass = 16;

    /// <summary>Validation rows per scoring pass (the scorers run the batch in length-sorted parts of this many rows).</summary>
    public const int ScoringRowsPerPart = 8;

    /// <summary>The largest contributor when it is the adapter (its parameters, gradients and moments).</summary>
    public const string RankSetting = "lora.r";

    /// <summary>The largest contributor when it is the activations (they grow with both settings).</summary>
    public const string ActivationSettings = "training.batch_size and training.max_sequence_length";

    /// <summary>The largest contributor when it is the frozen model itself.</summary>
    public const string ModelSetting = "model";

    /// <summary>
    /// Memory of the scoring passes of one allocation round (no gradients; they run between training steps, so they
    /// count instead of the training activations when larger). 0 when the estimate was made without a scoring batch.
    /// </summary>
    public long ScoringBytes { get; init; }

    /// <summary>The sum of the parts (the larger of the training activations and the scoring passes).</summary>
    public long TotalBytes => WeightBytes + AdapterBytes + GradientBytes + OptimizerBytes + Math.Max(ActivationBytes, ScoringBytes);

    /// <summary>
    /// The setting(s) responsible for the largest part: <see cref="RankSetting"/> (adapter, gradients and moments
    /// together), <see cref="ActivationSettings"/> or <see cref="ModelSetting"/>.
    /// </summary>
    public string LargestContributor
    {
        get
        {
            var adapter = AdapterBytes + GradientBytes + OptimizerBytes;
            return ActivationBytes >= adapter && ActivationBytes >= WeightBytes ? ActivationSettings
                : adapter >= WeightBytes ? RankSetting
                : ModelSetting;
        }
    }

    /// <summary>Estimates one run. The optional inputs' defaults (float32 base, no checkpointing, no accumulation, no scoring) give the estimate of a plain float32 run.</summary>
    /// <param name="model">The model's sizes.</param>
    /// <param name="rank">LoRA rank of every adapted module.</param>
    /// <param name="targetModules">Adapted module types (<c>q_proj</c> ... <c>down_proj</c>).</param>
    /// <param name="batchSize">Training batch size (the effective batch of one optimizer step).</param>
    /// <param name="sequenceLength">Tokens per row: the longest a batch can be (<see cref="SequenceLength"/>).</param>
    /// <param name="baseBytesPerValue">Bytes per value of the frozen base model's dtype: 4 (float32), 2 (bfloat16, float16).</param>
    /// <param name="gradientCheckpointing">Activation checkpointing per decoder layer: only each layer's input is kept, and one layer's activations are recomputed at a time.</param>
    /// <param name="microBatchSize">Rows of one forward/backward pass (batch / gradient accumulation steps); null: <paramref name="batchSize"/>.</param>
    /// <param name="scoringBatchSize">Rows of the validation batch that scores ranks (<c>val_batch_size</c>); 0: no scoring (LoRA).</param>
    /// <exception cref="ArgumentException">A module type is not a LLaMA projection, or a size is not positive.</exception>
    public static TrainingMemoryEstimate For(
        ModelShape model, int rank, IEnumerable<string> targetModules, int batchSize, int sequenceLength,
        int baseBytesPerValue = BytesPerValue, bool gradientCheckpointing = false, int? microBatchSize = null, int scoringBatchSize = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(targetModules);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sequenceLength);
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(baseBytesPerValue);
        ArgumentOutOfRangeException.ThrowIfNegative(scoringBatchSize);
        var micro = microBatchSize ?? batchSize;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(micro);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(micro, batchSize, nameof(microBatchSize));
        double hidden = model.HiddenSize, inter = model.IntermediateSize, vocab = model.VocabSize, layers = model.NumHiddenLayers;
        double heads = model.NumAttentionHeads, q = heads * model.HeadDim, kv = (double)model.NumKeyValueHeads * model.HeadDim;
        double d = baseBytesPerValue;

        double weights = model.BaseParameters;
        double adapterPerLayer = 0, loraActivationsPerToken = 0;
        foreach (var module in targetModules.Distinct(StringComparer.Ordinal))
        {
            var (inFeatures, outFeatures) = model.ProjectionFeatures(module);
            adapterPerLayer += rank * (inFeatures + outFeatures);
            loraActivationsPerToken += rank + outFeatures; // A x, and the adapter's output before it is added
        }

        var adapter = adapterPerLayer * layers;

        // Kept for backward, per token and layer, in the base dtype: the norms' inputs and outputs, q/k/v (k and v
        // expanded to every head), the attention output and its log-sum-exp per head (the fused attention kernels keep no
        // T x T matrix: measured, docs/engine-notes.md), the MLP's gate, up, activation and product, the residual sums;
        // and the adapters' own, in float32.
        var layerBytesPerToken = (((6 * hidden) + (5 * q) + (2 * kv) + heads + (4 * inter)) * d) + (loraActivationsPerToken * BytesPerValue);

        // Embedding output and final norm in the base dtype, and the logits three times (logits, log-softmax, their
        // gradient) in float32 (the loss is float32). With checkpointing every layer keeps only its input, and the
        // backward pass recomputes one layer's activations at a time.
        var headBytesPerToken = (3 * hidden * d) + (3 * vocab * BytesPerValue);
        var kept = gradientCheckpointing ? (layers * hidden * d) + layerBytesPerToken : layers * layerBytesPerToken;
        var activations = (double)micro * sequenceLength * (kept + headBytesPerToken);

        // Scoring (fast path, no gradients): the input of every block for the current and the base network over the
        // whole validation batch, plus one pass of the stacked variants over one part of the batch.
        var scoring = scoringBatchSize == 0 ? 0
            : (2 * layers * scoringBatchSize * (double)sequenceLength * hidden * d)
              + ((double)Math.Min(ScoringVariantsPerPass, Math.Max(rank, 1)) * Math.Min(ScoringRowsPerPart, scoringBatchSize) * sequenceLength
                 * (layerBytesPerToken + headBytesPerToken));
        return new TrainingMemoryEstimate(
            Bytes(weights * d), Bytes(2 * adapter * BytesPerValue), Bytes(adapter * BytesPerValue), Bytes(2 * adapter * BytesPerValue), Bytes(activations))
        {
            ScoringBytes = Bytes(scoring),
        };
    }

    /// <summary>
    /// The tokens per row a trial's batches can reach: <c>max_sequence_length</c>, capped at the model's
    /// <c>max_position_embeddings</c> and, when known, at the longest training example (batches are padded to their
    /// longest row only).
    /// </summary>
    /// <param name="maxSequenceLength">The trial's <c>training.max_sequence_length</c>.</param>
    /// <param name="model">The model.</param>
    /// <param name="longestExampleTokens">Tokens of the longest training example (BOS and EOS included), or null when not counted.</param>
    public static int SequenceLength(int maxSequenceLength, ModelShape model, int? longestExampleTokens = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var length = Math.Min(maxSequenceLength, model.MaxPositionEmbeddings);
        return longestExampleTokens is > 0 and var longest ? Math.Min(length, longest) : length;
    }

    /// <summary>
    /// The engine's batch size for a null <c>training.batch_size</c>: 16 below 10,000 training examples, else 128 (the
    /// engine's <c>TrainingOptions.ResolveBatchSize</c>; a test keeps them equal).
    /// </summary>
    /// <param name="trainExamples">Training examples (counted up to 10,000).</param>
    public static int DefaultBatchSize(int trainExamples) => trainExamples < 10_000 ? 16 : 128;

    /// <summary>Bytes per value of a <c>model.dtype</c> name: 2 for <c>bfloat16</c> and <c>float16</c>, else 4.</summary>
    /// <param name="dtype">The dtype name (null: float32).</param>
    public static int DtypeBytes(string? dtype) => dtype is "bfloat16" or "float16" or "bf16" or "fp16" ? 2 : BytesPerValue;

    /// <summary>A size in GiB with two decimals, for messages.</summary>
    /// <param name="bytes">A size in bytes.</param>
    public static string Gib(long bytes) => (bytes / (double)(1L << 30)).ToString("F2", CultureInfo.InvariantCulture) + " GiB";

    private static long Bytes(double bytes) => bytes >= long.MaxValue ? long.MaxValue : (long)Math.Ceiling(bytes);
}
