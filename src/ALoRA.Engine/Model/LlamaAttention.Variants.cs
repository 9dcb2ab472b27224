using ALoRA.Engine.Lora;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ALoRA.Engine.Model;

/// <summary>
/// Entry points for scoring variants with a shared prefix (docs/alora-method.md section 8). They compute the same
/// numbers as <see cref="forward"/>; the normal forward does not use them.
/// </summary>
public sealed partial class LlamaAttention
{
    /// <summary>The output projection.</summary>
    internal nn.Module<Tensor, Tensor> OProj => _oProj;

    /// <summary>True when <paramref name="module"/> is this block's q, k or v projection.</summary>
    internal bool IsQkv(nn.Module module) => ReferenceEquals(module, _qProj) || ReferenceEquals(module, _kProj) || ReferenceEquals(module, _vProj);

    /// <summary>The attention output before o_proj, [batch, seq, heads x head_dim], for normalised <paramref name="hidden"/>.</summary>
    public Tensor Heads(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        var (b, t) = (hidden.shape[0], hidden.shape[1]);
        var q = _rotary.Apply(_qProj.forward(hidden).view(b, t, _heads, _headDim).transpose(1, 2));
        var k = _rotary.Apply(_kProj.forward(hidden).view(b, t, _kvHeads, _headDim).transpose(1, 2));
        var v = _vProj.forward(hidden).view(b, t, _kvHeads, _headDim).transpose(1, 2);
        return Attend(q, k, v).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The attention output (after o_proj) of every variant of <paramref name="module"/> (this block's q, k or v
    /// projection, with variant gates set) for normalised <paramref name="hidden"/> [n, seq, hidden] (not stacked):
    /// [V * n, seq, hidden], variant-major. The other two projections run once, their heads are shared by all variants.
    /// </summary>
    public Tensor ForwardVariants(Tensor hidden, GatedLoraLinear module)
    {
        if (!IsQkv(module))
        {
            throw new ArgumentException("the module is not this block's q, k or v projection", nameof(module));
        }

        using var scope = NewDisposeScope();
        var (b, t) = (hidden.shape[0], hidden.shape[1]);
        var variants = module.VariantCount;
        Tensor Project(nn.Module<Tensor, Tensor> projection, long heads, bool rotate)
        {
            if (ReferenceEquals(projection, module))
            {
                var stacked = module.ForwardBroadcast(hidden).view(variants * b, t, heads, _headDim).transpose(1, 2);
                return rotate ? _rotary.Apply(stacked) : stacked;
            }

            var shared = projection.forward(hidden).view(b, t, heads, _headDim).transpose(1, 2);
            shared = rotate ? _rotary.Apply(shared) : shared;
            return shared.unsqueeze(0).expand(variants, b, heads, t, _headDim).reshape(variants * b, heads, t, _headDim);
        }

        var q = Project(_qProj, _heads, rotate: true);
        var k = Project(_kProj, _kvHeads, rotate: true);
        var v = Project(_vProj, _kvHeads, rotate: false);
        return _oProj.forward(Attend(q, k, v)).MoveToOuterDisposeScope();
    }

    /// <summary>Grouped-query expansion, causal SDPA and head merge, as in <see cref="forward"/>.</summary>
    private Tensor Attend(Tensor q, Tensor k, Tensor v)
    {
        var (b, t) = (q.shape[0], q.shape[2]);
        if (_kvHeads != _heads)
        {
            var rep = _heads / _kvHeads;
            k = k.unsqueeze(2).expand(b, _kvHeads, rep, t, _headDim).reshape(b, _heads, t, _headDim);
            v = v.unsqueeze(2).expand(b, _kvHeads, rep, t, _headDim).reshape(b, _heads, t, _headDim);
        }

        var attn = F.scaled_dot_product_attention(q, k, v, is_casual: true);
        return attn.transpose(1, 2).reshape(b, t, _heads * _headDim);
    }
}
