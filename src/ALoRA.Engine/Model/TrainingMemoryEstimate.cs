using System.Globalization;

namespace ALoRA.Engine.Model;

/// <summary>
/// An upper-ish estimate of the memory one LoRA training run of a LLaMA model takes, in float32, from the model's
/// <c>config.json</c> and the trial's rank, adapted modules, batch size and sequence length: frozen weights, adapter
/// parameters (with the best-so-far copy), their gradients, AdamW's two moments and the activations kept for the
/// backward pass. The formula and what it leaves out are in docs/engine-notes.md ("Memory estimate"). The runtime's own
/// memory (the .NET process, libtorch, the tokenizer and data) is not included.
/// </summary>
/// <param name="WeightBytes">Frozen base weights.</param>
/// <param name="AdapterBytes">Adapter parameters plus the copy of the best adapter kept for early stopping.</param>
/// <param name="GradientBytes">Gradients of the adapter parameters.</param>
/// <param name="OptimizerBytes">AdamW's first and second moments.</param>
/// <param name="ActivationBytes">Activations kept for the backward pass of one batch, and the logits.</param>
public sealed record TrainingMemoryEstimate(long WeightBytes, long AdapterBytes, long GradientBytes, long OptimizerBytes, long ActivationBytes)
{
    /// <summary>Bytes of one float32 value: the engine trains in float32.</summary>
    public const int BytesPerValue = 4;

    /// <summary>The largest contributor when it is the adapter (its parameters, gradients and moments).</summary>
    public const string RankSetting = "lora.r";

    /// <summary>The largest contributor when it is the activations (they grow with both settings).</summary>
    public const string ActivationSettings = "training.batch_size and training.max_sequence_length";

    /// <summary>The largest contributor when it is the frozen model itself.</summary>
    public const string ModelSetting = "model";

    /// <summary>The sum of the parts.</summary>
    public long TotalBytes => WeightBytes + AdapterBytes + GradientBytes + OptimizerBytes + ActivationBytes;

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

    /// <summary>Estimates one run.</summary>
    /// <param name="config">The model's configuration.</param>
    /// <param name="rank">LoRA rank of every adapted module.</param>
    /// <param name="targetModules">Adapted module types (<c>q_proj</c> ... <c>down_proj</c>).</param>
    /// <param name="batchSize">Training batch size.</param>
    /// <param name="sequenceLength">Tokens per row (the longest a batch can be).</param>
    /// <exception cref="ArgumentException">A module type is not a LLaMA projection, or a size is not positive.</exception>
    public static TrainingMemoryEstimate For(LlamaConfig config, int rank, IEnumerable<string> targetModules, int batchSize, int sequenceLength)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(targetModules);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sequenceLength);
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        double hidden = config.HiddenSize, inter = config.IntermediateSize, vocab = config.VocabSize, layers = config.NumHiddenLayers;
        double heads = config.NumAttentionHeads, q = heads * config.HeadDim, kv = (double)config.NumKeyValueHeads * config.HeadDim;

        // The shapes of LlamaWeightShapes.Expected, summed without listing them (a config may claim any layer count).
        var perLayerWeights = (2 * hidden) + (2 * hidden * q) + (2 * hidden * kv) + (3 * hidden * inter)
            + (config.AttentionBias ? q + (2 * kv) + hidden : 0) + (config.MlpBias ? (2 * inter) + hidden : 0);
        var weights = (vocab * hidden * (config.TieWordEmbeddings ? 1 : 2)) + hidden + (layers * perLayerWeights);
        double adapterPerLayer = 0, loraActivationsPerToken = 0;
        foreach (var module in targetModules.Distinct(StringComparer.Ordinal))
        {
            var (inFeatures, outFeatures) = module switch
            {
                "q_proj" => (hidden, q),
                "k_proj" or "v_proj" => (hidden, kv),
                "o_proj" => (q, hidden),
                "gate_proj" or "up_proj" => (hidden, inter),
                "down_proj" => (inter, hidden),
                _ => throw new ArgumentException($"'{module}' is not a LLaMA projection", nameof(targetModules)),
            };
            adapterPerLayer += rank * (inFeatures + outFeatures);
            loraActivationsPerToken += rank + outFeatures; // A x, and the adapter's output before it is added
        }

        var adapter = adapterPerLayer * layers;

        // Kept for backward, per token and layer: the norms' inputs and outputs, q/k/v (k and v expanded to every head),
        // the attention output and its log-sum-exp per head (the fused attention kernels keep no T x T matrix: measured,
        // docs/engine-notes.md), the MLP's gate, up, activation and product, the residual sums, and the adapters' own.
        var perTokenLayer = (6 * hidden) + (5 * q) + (2 * kv) + heads + (4 * inter) + loraActivationsPerToken;

        // Embedding output, final norm, and the logits three times (logits, log-softmax, their gradient).
        var perToken = (layers * perTokenLayer) + (3 * hidden) + (3 * vocab);
        var activations = (double)batchSize * sequenceLength * perToken;
        return new TrainingMemoryEstimate(
            Bytes(weights), Bytes(2 * adapter), Bytes(adapter), Bytes(2 * adapter), Bytes(activations));
    }

    /// <summary>A size in GiB with two decimals, for messages.</summary>
    /// <param name="bytes">A size in bytes.</param>
    public static string Gib(long bytes) => (bytes / (double)(1L << 30)).ToString("F2", CultureInfo.InvariantCulture) + " GiB";

    private static long Bytes(double values)
    {
        var bytes = values * BytesPerValue;
        return bytes >= long.MaxValue ? long.MaxValue : (long)Math.Ceiling(bytes);
    }
}
