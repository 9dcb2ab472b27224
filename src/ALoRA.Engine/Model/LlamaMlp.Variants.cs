using static TorchSharp.torch;

namespace ALoRA.Engine.Model;

/// <summary>The projections, for scoring variants with a shared prefix (docs/alora-method.md section 8).</summary>
public sealed partial class LlamaMlp
{
    /// <summary>gate_proj.</summary>
    internal nn.Module<Tensor, Tensor> GateProj => _gateProj;

    /// <summary>up_proj.</summary>
    internal nn.Module<Tensor, Tensor> UpProj => _upProj;

    /// <summary>down_proj.</summary>
    internal nn.Module<Tensor, Tensor> DownProj => _downProj;
}
