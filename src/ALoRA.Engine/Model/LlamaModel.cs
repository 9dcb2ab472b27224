using TorchSharp;
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

    /// <summary>The decoder blocks.</summary>
    public IReadOnlyList<LlamaDecoderLayer> Layers => _layers.ToList();

    /// <summary>Final hidden states [batch, seq, hidden] for token ids [batch, seq].</summary>
    public override Tensor forward(Tensor inputIds)
    {
        using var scope = NewDisposeScope();
        var h = _embedTokens.forward(inputIds);
        foreach (var layer in _layers)
        {
            h = layer.forward(h);
        }

        return _norm.forward(h).MoveToOuterDisposeScope();
    }

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
