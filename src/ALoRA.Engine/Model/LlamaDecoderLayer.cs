using ALoRA.Engine.Runtime;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace ALoRA.Engine.Model;

/// <summary>One pre-norm LLaMA block: <c>h = x + attn(norm(x)); out = h + mlp(norm(h))</c>.</summary>
public sealed partial class LlamaDecoderLayer : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "self_attn")]
    private readonly LlamaAttention _selfAttn;

    [ComponentName(Name = "mlp")]
    private readonly LlamaMlp _mlp;

    [ComponentName(Name = "input_layernorm")]
    private readonly RmsNorm _inputLayerNorm;

    [ComponentName(Name = "post_attention_layernorm")]
    private readonly RmsNorm _postAttentionLayerNorm;

    /// <summary>Builds layer <paramref name="index"/> (module path <c>model.layers.{index}</c>).</summary>
    public LlamaDecoderLayer(LlamaConfig config, int index, RotaryEmbedding rotary, LinearFactory linear, ScalarType dtype)
        : base(nameof(LlamaDecoderLayer))
    {
        var prefix = $"model.layers.{index}";
        _selfAttn = new LlamaAttention(config, rotary, $"{prefix}.self_attn", linear);
        _mlp = new LlamaMlp(config, $"{prefix}.mlp", linear);
        _inputLayerNorm = new RmsNorm(config.HiddenSize, config.RmsNormEps, dtype);
        _postAttentionLayerNorm = new RmsNorm(config.HiddenSize, config.RmsNormEps, dtype);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        // One dispose scope per block: temporaries die here, only the block output leaves (docs/engine-notes.md, TorchSharp).
        using var scope = NewDisposeScope();
        var h = x.add(_selfAttn.forward(_inputLayerNorm.forward(x)), CachedScalars.One);
        // Not in place: the norm saved h for the backward pass.
        return h.add(_mlp.forward(_postAttentionLayerNorm.forward(h)), CachedScalars.One).MoveToOuterDisposeScope();
    }
}
