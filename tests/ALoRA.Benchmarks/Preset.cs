using ALoRA.Engine.Lora;
using ALoRA.Engine.Model;
using static TorchSharp.torch;

namespace ALoRA.Benchmarks;

/// <summary>A benchmark shape: model architecture plus batch and sequence length.</summary>
public sealed record Preset(string Name, LlamaConfig Config, int Batch, int Sequence)
{
    /// <summary>The two presets of the foundation issue.</summary>
    public static readonly IReadOnlyList<Preset> All =
    [
        new("tiny", Make(64, 5, 8, 172, 512), Batch: 32, Sequence: 128),
        new("small", Make(512, 8, 8, 1376, 8192), Batch: 8, Sequence: 256),
    ];

    /// <summary>Forward FLOPs of one batch: 2 per multiply-add of every matmul (projections, LoRA, attention, LM head).</summary>
    public double ForwardFlops(int loraRank)
    {
        var c = Config;
        var tokens = (double)Batch * Sequence;
        double kv = c.NumKeyValueHeads * c.HeadDim;
        double q = c.NumAttentionHeads * c.HeadDim;
        double h = c.HiddenSize;
        double f = c.IntermediateSize;
        var projections = (h * q) + (2 * h * kv) + (q * h) + (3 * h * f);
        var lora = loraRank * ((h + q) + 2 * (h + kv) + (q + h) + 2 * (h + f) + (f + h));
        var attention = 2.0 * Sequence * q; // QK^T and AV per token, full (non-causal) count
        var perLayer = 2 * tokens * (projections + lora + attention);
        return (c.NumHiddenLayers * perLayer) + (2 * tokens * h * c.VocabSize);
    }

    /// <summary>
    /// The training benchmarks' model: random base weights of a sensible scale (the default Linear init, seed 0), LoRA
    /// r = 8 (alpha 16) on all 7 module types with non-zero B so LoRA does real work, in training mode.
    /// </summary>
    public LlamaForCausalLM CreateTrainingModel()
    {
        manual_seed(0);
        var model = new LlamaForCausalLM(Config, ScalarType.Float32, new LoraConfig { R = 8, LoraAlpha = 16, LoraDropout = 0 });
        using (no_grad())
        {
            foreach (var slot in model.Adapters)
            {
                slot.Module.LoraB.normal_(0, 0.01);
            }
        }

        model.train();
        return model;
    }

    private static LlamaConfig Make(int dim, int layers, int heads, int ffn, int vocab) => new()
    {
        HiddenSize = dim,
        IntermediateSize = ffn,
        NumHiddenLayers = layers,
        NumAttentionHeads = heads,
        NumKeyValueHeads = heads,
        HeadDim = dim / heads,
        VocabSize = vocab,
        MaxPositionEmbeddings = 512,
        RmsNormEps = 1e-5,
    };
}
