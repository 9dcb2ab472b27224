using ALoRA.Engine.Runtime;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ALoRA.Engine.Model;

/// <summary>
/// The parts of one decoder block computed once for one input and shared by every variant that differs only from a
/// later projection of the block on (docs/alora-method.md section 8): each part is computed on first use, with the
/// adapters as they are at that moment, and kept until disposed. The caller keeps the adapters of every projection a
/// part uses unchanged while the prefix lives. The input stays the caller's.
/// </summary>
public sealed class BlockPrefix : IDisposable
{
    private readonly List<Tensor> _owned = [];
    private Tensor? _normed;
    private Tensor? _heads;
    private Tensor? _hidden;
    private Tensor? _normedHidden;
    private Tensor? _gate;
    private Tensor? _up;
    private Tensor? _product;

    internal BlockPrefix(LlamaDecoderLayer layer, Tensor input)
    {
        Layer = layer;
        Input = input;
    }

    /// <summary>The block.</summary>
    public LlamaDecoderLayer Layer { get; }

    /// <summary>The block's input x [batch, seq, hidden].</summary>
    public Tensor Input { get; }

    /// <summary>The parts computed so far.</summary>
    public BlockPieces Computed { get; private set; }

    /// <summary><c>input_layernorm(x)</c>.</summary>
    internal Tensor Normed => _normed ??= Keep(BlockPieces.InputNorm, () => Layer.InputNorm.forward(Input));

    /// <summary>The attention heads before o_proj.</summary>
    internal Tensor Heads => _heads ??= Keep(BlockPieces.Heads, () => Layer.Attention.Heads(Normed));

    /// <summary><c>h = x + o_proj(heads)</c>.</summary>
    internal Tensor Hidden => _hidden ??= Keep(BlockPieces.AttentionOutput, () => Input.add(Layer.Attention.OProj.forward(Heads), CachedScalars.One));

    /// <summary><c>post_attention_layernorm(h)</c>.</summary>
    internal Tensor NormedHidden => _normedHidden ??= Keep(BlockPieces.PostNorm, () => Layer.PostAttentionNorm.forward(Hidden));

    /// <summary><c>silu(gate_proj(norm(h)))</c>.</summary>
    internal Tensor Gate => _gate ??= Keep(BlockPieces.Gate, () => F.silu(Layer.Mlp.GateProj.forward(NormedHidden)));

    /// <summary><c>up_proj(norm(h))</c>.</summary>
    internal Tensor Up => _up ??= Keep(BlockPieces.Up, () => Layer.Mlp.UpProj.forward(NormedHidden));

    /// <summary><c>silu(gate) * up</c>.</summary>
    internal Tensor Product => _product ??= Keep(BlockPieces.Product, () => Gate * Up);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in _owned)
        {
            t.Dispose();
        }

        _owned.Clear();
    }

    private Tensor Keep(BlockPieces piece, Func<Tensor> compute)
    {
        using var scope = NewDisposeScope();
        var t = compute().DetachFromDisposeScope();
        _owned.Add(t);
        Computed |= piece;
        return t;
    }
}
