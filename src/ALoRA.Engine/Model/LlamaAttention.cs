using TorchSharp.Utils;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ALoRA.Engine.Model;

/// <summary>Grouped-query self-attention of a LLaMA block (q/k/v/o projections, rotary, causal SDPA).</summary>
public sealed partial class LlamaAttention : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "q_proj")]
    private readonly nn.Module<Tensor, Tensor> _qProj;

    [ComponentName(Name = "k_proj")]
    private readonly nn.Module<Tensor, Tensor> _kProj;

    [ComponentName(Name = "v_proj")]
    private readonly nn.Module<Tensor, Tensor> _vProj;

    [ComponentName(Name = "o_proj")]
    private readonly nn.Module<Tensor, Tensor> _oProj;

    private readonly RotaryEmbedding _rotary;
    private readonly long _heads;
    private readonly long _kvHeads;
    private readonly long _headDim;

    /// <summary>Builds the projections through <paramref name="linear"/> at <paramref name="prefix"/>.q_proj etc.</summary>
    public LlamaAttention(LlamaConfig config, RotaryEmbedding rotary, string prefix, LinearFactory linear)
        : base(nameof(LlamaAttention))
    {
        _heads = config.NumAttentionHeads;
        _kvHeads = config.NumKeyValueHeads;
        _headDim = config.HeadDim;
        _rotary = rotary;
        var bias = config.AttentionBias;
        _qProj = linear($"{prefix}.q_proj", config.HiddenSize, _heads * _headDim, bias);
        _kProj = linear($"{prefix}.k_proj", config.HiddenSize, _kvHeads * _headDim, bias);
        _vProj = linear($"{prefix}.v_proj", config.HiddenSize, _kvHeads * _headDim, bias);
        _oProj = linear($"{prefix}.o_proj", _heads * _headDim, config.HiddenSize, bias);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        var (b, t) = (hidden.shape[0], hidden.shape[1]);
        var q = _rotary.Apply(_qProj.forward(hidden).view(b, t, _heads, _headDim).transpose(1, 2));
        var k = _rotary.Apply(_kProj.forward(hidden).view(b, t, _kvHeads, _headDim).transpose(1, 2));
        var v = _vProj.forward(hidden).view(b, t, _kvHeads, _headDim).transpose(1, 2);
        if (_kvHeads != _heads)
        {
            var rep = _heads / _kvHeads;
            k = k.unsqueeze(2).expand(b, _kvHeads, rep, t, _headDim).reshape(b, _heads, t, _headDim);
            v = v.unsqueeze(2).expand(b, _kvHeads, rep, t, _headDim).reshape(b, _heads, t, _headDim);
        }

        var attn = F.scaled_dot_product_attention(q, k, v, is_casual: true);
        var merged = attn.transpose(1, 2).reshape(b, t, _heads * _headDim);
        return _oProj.forward(merged).MoveToOuterDisposeScope();
    }
}
