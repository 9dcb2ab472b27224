using static TorchSharp.torch;

namespace ALoRA.Engine.Lora;

/// <summary>
/// Temporary gate overrides used by scoring (docs/alora-method.md section 8): the adapter can be switched off entirely, or
/// the batch can carry V stacked variants of the network, each with its own gate vector for this module.
/// Overrides never touch the stored gates.
/// </summary>
public sealed partial class GatedLoraLinear
{
    /// <summary>When true the adapter contributes nothing (the module acts as its base layer).</summary>
    public bool AdapterDisabled
    {
        get => _scaled.Disabled;
        set => _scaled.Disabled = value;
    }

    /// <summary>True while per-variant gates are set.</summary>
    public bool HasVariantGates => _scaled.Variants is not null;

    /// <summary>
    /// Sets per-variant gates: <paramref name="gates"/> is [V, Rank] of 0/1; the input batch must then be V
    /// equal-sized blocks, variant-major, and block v uses row v. Null clears the override.
    /// </summary>
    public void SetVariantGates(Tensor? gates)
    {
        _scaled.Variants?.Dispose();
        _scaled.Variants = null;
        if (gates is null)
        {
            return;
        }

        if (gates.dim() != 2 || gates.shape[1] != Rank)
        {
            throw new ArgumentException($"variant gates must be [V, {Rank}], got [{string.Join(", ", gates.shape)}]", nameof(gates));
        }

        using var scope = NewDisposeScope();
        _scaled.Variants = (gates.to(LoraA.dtype, LoraA.device) * Scale).DetachFromDisposeScope();
    }
}
