using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace ALoRA.Engine.Model;

/// <summary>The LLaMA decoder stack (<c>model.*</c>): token embedding, blocks, final RMSNorm.</summary>
public sealed class LlamaModel : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "embed_tokens")]
    private readonly Embedding _embedTokens;

    [ComponentName(Name = "layers")]
    private readonly ModuleList<LlamaDecoderLayer> _layers;

    [ComponentName(Name = "norm")]
    private readonly RmsNorm _norm;

    private readonly RotaryEmbedding _rotary;

    /// <summary>Builds the stack; projections come from <paramref name="linear"/>.</summary>
    public LlamaModel(LlamaConfig config, LinearFactory linear, ScalarType dtype)
        : base(nameof(LlamaModel))
    {
        _rotary = new RotaryEmbedding(config.HeadDim, config.MaxPositionEmbeddings, config.RopeTheta);
        _embedTokens = nn.Embedding(config.VocabSize, config.HiddenSize, dtype: dtype);
        _embedTokens.weight!.requires_grad = false;
        _layers = new ModuleList<LlamaDecoderLayer>(
            Enumerable.Range(0, config.NumHiddenLayers).Select(i => new LlamaDecoderLayer(config, i, _rotary, linear, dtype)).ToArray());
        _norm = new RmsNorm(config.HiddenSize, config.RmsNormEps, dtype);
        RegisterComponents();
    }

    /// <summary>The token embedding.</summary>
    public Embedding EmbedTokens => _embedTokens;

    /// <summary>Number of decoder blocks.</summary>
    public int LayerCount => _layers.Count;

    /// <summary>Final hidden states [batch, seq, hidden] for token ids [batch, seq].</summary>
    public override Tensor forward(Tensor inputIds)
    {
        using var scope = NewDisposeScope();
        return ForwardLayers(_embedTokens.forward(inputIds), 0).MoveToOuterDisposeScope();
    }

    /// <summary>Token embeddings [batch, seq, hidden].</summary>
    public Tensor Embed(Tensor inputIds) => _embedTokens.forward(inputIds);

    /// <summary>Block <paramref name="index"/> on <paramref name="hidden"/> (its input); for layer-by-layer passes such as activation checkpointing.</summary>
    public Tensor ForwardLayer(int index, Tensor hidden) => _layers[index].forward(hidden);

    /// <summary>The final RMSNorm on the last block's output.</summary>
    public Tensor FinalNorm(Tensor hidden) => _norm.forward(hidden);

    /// <summary>
    /// Runs blocks <paramref name="from"/>..end and the final norm on <paramref name="hidden"/> (the input of block
    /// <paramref name="from"/>). <paramref name="captureInput"/>, when given, receives each block's input first
    /// (a tensor owned by the caller's dispose scope).
    /// </summary>
    public Tensor ForwardLayers(Tensor hidden, int from, Action<int, Tensor>? captureInput = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(from, _layers.Count);
        var h = hidden;
        for (var i = from; i < _layers.Count; i++)
        {
            captureInput?.Invoke(i, h);
            h = _layers[i].forward(h);
        }

        return _norm.forward(h);
    }

    /// <summary>
    /// Runs blocks <paramref name="from"/>..<paramref name="to"/> - 1 on <paramref name="hidden"/> (the input of block
    /// <paramref name="from"/>) and returns the input of block <paramref name="to"/> (no final norm);
    /// <paramref name="captureInput"/> receives each block's input, as in <see cref="ForwardLayers(Tensor, int, Action{int, Tensor})"/>.
    /// </summary>
    public Tensor ForwardLayers(Tensor hidden, int from, int to, Action<int, Tensor>? captureInput)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(to, _layers.Count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(from, to);
        var h = hidden;
        for (var i = from; i < to; i++)
        {
            captureInput?.Invoke(i, h);
            h = _layers[i].forward(h);
        }

        return h;
    }

    /// <summary>Decoder block <paramref name="index"/>.</summary>
    public LlamaDecoderLayer LayerAt(int index) => _layers[index];

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _rotary.Dispose();
        }

        base.Dispose(disposing);
    }
}
