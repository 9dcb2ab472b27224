using ALoRA.Engine.Lora;
using ALoRA.Engine.Runtime;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ALoRA.Engine.Model;

/// <summary>
/// Scoring entry points (docs/alora-method.md section 8): the block's output for V variants of one of its projections,
/// reusing the part of the block before that projection (<see cref="BlockPrefix"/>) and running the rest once per
/// variant, stacked along the batch axis. Same numbers as <see cref="forward"/> on the input repeated V times; the
/// normal forward does not use them.
/// </summary>
public sealed partial class LlamaDecoderLayer
{
    /// <summary>The attention.</summary>
    internal LlamaAttention Attention => _selfAttn;

    /// <summary>The MLP.</summary>
    internal LlamaMlp Mlp => _mlp;

    /// <summary>input_layernorm.</summary>
    internal RmsNorm InputNorm => _inputLayerNorm;

    /// <summary>post_attention_layernorm.</summary>
    internal RmsNorm PostAttentionNorm => _postAttentionLayerNorm;

    /// <summary>A prefix of this block for input <paramref name="input"/> [n, seq, hidden] (which stays the caller's).</summary>
    public BlockPrefix Prefix(Tensor input) => new(this, input);

    /// <summary>Which of this block's projections <paramref name="module"/> is, or null when it is none of them.</summary>
    public LlamaProjection? ProjectionOf(nn.Module module) =>
        ReferenceEquals(module, _selfAttn.OProj) ? LlamaProjection.O
        : ReferenceEquals(module, _mlp.GateProj) ? LlamaProjection.Gate
        : ReferenceEquals(module, _mlp.UpProj) ? LlamaProjection.Up
        : ReferenceEquals(module, _mlp.DownProj) ? LlamaProjection.Down
        : _selfAttn.IsQkv(module) ? LlamaProjection.Qkv
        : null;

    /// <summary>
    /// The block's output [V * n, seq, hidden] (variant-major) for the V variants of <paramref name="module"/>, one
    /// of this block's projections with variant gates set (<see cref="GatedLoraLinear.SetVariantGates"/>), from
    /// <paramref name="prefix"/>'s input [n, seq, hidden]. The parts before the projection come from the prefix
    /// (computed there once), the projection's base and <c>A x</c> run once, the rest once per variant.
    /// </summary>
    /// <exception cref="ArgumentException">The prefix is another block's, or the module is not one of this block's projections.</exception>
    public Tensor ForwardVariants(BlockPrefix prefix, GatedLoraLinear module)
    {
        if (!ReferenceEquals(prefix.Layer, this))
        {
            throw new ArgumentException("the prefix belongs to another block", nameof(prefix));
        }

        var kind = ProjectionOf(module) ?? throw new ArgumentException("the module is not one of this block's projections", nameof(module));
        if (module.VariantCount == 0)
        {
            throw new ArgumentException("the module has no variant gates", nameof(module));
        }

        using var scope = NewDisposeScope();
        var variants = module.VariantCount;
        var x = prefix.Input;
        if (kind is LlamaProjection.Qkv or LlamaProjection.O)
        {
            var attn = kind == LlamaProjection.O
                ? module.ForwardBroadcast(prefix.Heads)
                : _selfAttn.ForwardVariants(prefix.Normed, module);
            var h = Broadcast(x, attn, variants);
            return h.add(_mlp.forward(_postAttentionLayerNorm.forward(h)), CachedScalars.One).MoveToOuterDisposeScope();
        }

        var mlp = kind switch
        {
            LlamaProjection.Down => module.ForwardBroadcast(prefix.Product),
            LlamaProjection.Gate => _mlp.DownProj.forward(Stack(F.silu(module.ForwardBroadcast(prefix.NormedHidden)), prefix.Up, variants)),
            _ => _mlp.DownProj.forward(Stack(prefix.Gate, module.ForwardBroadcast(prefix.NormedHidden), variants)),
        };
        return Broadcast(prefix.Hidden, mlp, variants).MoveToOuterDisposeScope();
    }

    /// <summary><c>shared + perVariant</c> with <paramref name="shared"/> [n, ...] added to each of the V blocks of <paramref name="perVariant"/> [V * n, ...].</summary>
    private static Tensor Broadcast(Tensor shared, Tensor perVariant, int variants) =>
        shared.add(perVariant.view([variants, .. shared.shape]), CachedScalars.One).flatten(0, 1);

    /// <summary><c>gate * up</c> where one side is stacked [V * n, ...] and the other shared [n, ...] (or both stacked).</summary>
    private static Tensor Stack(Tensor gate, Tensor up, int variants)
    {
        var n = Math.Min(gate.shape[0], up.shape[0]);
        long[] shape = [variants, n, .. gate.shape[1..]];
        var g = gate.shape[0] == n * variants && variants > 1 ? gate.view(shape) : gate;
        var u = up.shape[0] == n * variants && variants > 1 ? up.view(shape) : up;
        return g.mul(u).reshape([variants * n, .. gate.shape[1..]]);
    }
}
