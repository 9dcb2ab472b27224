using ALoRA.Engine.Runtime;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

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

    /// <summary>Number of variants while per-variant gates are set, otherwise 0.</summary>
    public int VariantCount => _scaled.Variants is { } v ? (int)v.shape[0] : 0;

    /// <summary>
    /// The output of every variant set by <see cref="SetVariantGates"/> from one copy of the input:
    /// <paramref name="input"/> is [n, ...] (not stacked) and the result [V * n, ...], variant-major, the same numbers as
    /// <see cref="forward"/> on the input repeated V times. The base projection and <c>A x</c> run once; only the
    /// rank-r product with B runs per variant (docs/alora-method.md section 8).
    /// </summary>
    /// <exception cref="InvalidOperationException">No variant gates are set, or relaxed gates are.</exception>
    public Tensor ForwardBroadcast(Tensor input)
    {
        var variants = _scaled.Variants ?? throw new InvalidOperationException("ForwardBroadcast needs variant gates (SetVariantGates)");
        if (_scaled.GateLogits is not null)
        {
            throw new InvalidOperationException("variant gates cannot be combined with relaxed gates");
        }

        using var scope = NewDisposeScope();
        var v = variants.shape[0];
        var y = _baseLayer.forward(input);
        if (Rank == 0 || _scaled.Disabled)
        {
            return y.unsqueeze(0).expand([v, .. y.shape]).flatten(0, 1).MoveToOuterDisposeScope();
        }

        var x = _dropout is not null && training ? _dropout.forward(input) : input;
        if (x.dtype != AdapterDType)
        {
            x = x.to(AdapterDType);
        }

        var ax = F.linear(x, _loraA.weight!);

        // [V, 1, ..., 1, r]: variant v's scaled gates against every row of A x.
        var gateShape = Enumerable.Repeat(1L, (int)ax.dim() + 1).ToArray();
        gateShape[0] = v;
        gateShape[^1] = Rank;
        var perVariant = F.linear(ax.unsqueeze(0).mul(variants.view(gateShape)), _loraB.weight!);

        // lora + base here, base + lora in forward: the same float sum (the adapter's float32 cast to the base's dtype first, as there).
        if (perVariant.dtype != y.dtype)
        {
            perVariant = perVariant.to(y.dtype);
        }

        return perVariant.add_(y, CachedScalars.One).flatten(0, 1).MoveToOuterDisposeScope();
    }

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
