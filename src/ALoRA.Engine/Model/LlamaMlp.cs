using TorchSharp.Utils;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ALoRA.Engine.Model;

/// <summary>SwiGLU MLP of a LLaMA block: <c>down(silu(gate(x)) * up(x))</c>.</summary>
public sealed partial class LlamaMlp : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "gate_proj")]
    private readonly nn.Module<Tensor, Tensor> _gateProj;

    [ComponentName(Name = "up_proj")]
    private readonly nn.Module<Tensor, Tensor> _upProj;

    [ComponentName(Name = "down_proj")]
    private readonly nn.Module<Tensor, Tensor> _downProj;

    /// <summary>Builds the projections through <paramref name="linear"/> at <paramref name="prefix"/>.gate_proj etc.</summary>
    public LlamaMlp(LlamaConfig config, string prefix, LinearFactory linear)
        : base(nameof(LlamaMlp))
    {
        _gateProj = linear($"{prefix}.gate_proj", config.HiddenSize, config.IntermediateSize, config.MlpBias);
        _upProj = linear($"{prefix}.up_proj", config.HiddenSize, config.IntermediateSize, config.MlpBias);
        _downProj = linear($"{prefix}.down_proj", config.IntermediateSize, config.HiddenSize, config.MlpBias);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var gated = F.silu(_gateProj.forward(x)) * _upProj.forward(x);
        return _downProj.forward(gated).MoveToOuterDisposeScope();
    }
}
