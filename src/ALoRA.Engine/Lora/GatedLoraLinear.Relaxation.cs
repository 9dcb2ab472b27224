using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ALoRA.Engine.Lora;

/// <summary>
/// Relaxed gates for <c>alora-dnas</c> (docs/alora-method.md section 6): while gate logits <c>a</c> are attached, rank i
/// contributes with weight <c>g_i * 2 sigmoid(a_i)</c>, trainable through <c>a</c>. The logits are owned by the
/// caller (they are not part of the module's parameters or state dict), and <see cref="FoldGateRelaxation"/> bakes
/// the relaxed gate values into <c>lora_B</c>, which leaves the output unchanged and the module a plain gated LoRA.
/// </summary>
public sealed partial class GatedLoraLinear
{
    /// <summary>The attached gate logits (one per physical rank), or null.</summary>
    public Parameter? GateLogits => _scaled.GateLogits;

    /// <summary>Attaches (or, with null, detaches) gate logits of length <see cref="Rank"/>.</summary>
    public void SetGateLogits(Parameter? logits)
    {
        if (logits is not null && (logits.dim() != 1 || logits.shape[0] != Rank))
        {
            throw new ArgumentException($"gate logits must have {Rank} entries, got [{string.Join(", ", logits.shape)}]", nameof(logits));
        }

        _scaled.GateLogits = logits;
    }

    /// <summary>
    /// Multiplies column i of <c>lora_B</c> by <c>2 sigmoid(a_i)</c> and detaches the logits: the same function
    /// without relaxation, ready for export. No-op when no logits are attached.
    /// </summary>
    public void FoldGateRelaxation()
    {
        if (_scaled.GateLogits is not { } logits)
        {
            return;
        }

        using (no_grad())
        {
            using var scope = NewDisposeScope();
            LoraB.mul_(logits.sigmoid().mul(2.0).unsqueeze(0).to(LoraB.dtype));
        }

        _scaled.GateLogits = null;
    }
}
