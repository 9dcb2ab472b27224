using static TorchSharp.torch;

namespace ALoRA.Engine.Lora;

/// <summary>
/// Continuous gates for scoring by gate gradients (<c>approx</c>, docs/alora-method.md section 3): while set, rank i
/// contributes with weight <c>s * c_i</c> instead of <c>s * g_i</c>, so the gradient of a loss with respect to
/// <c>c</c> is the first-order effect of each rank's gate. The tensor is owned by the caller; the stored gates are
/// never touched.
/// </summary>
public sealed partial class GatedLoraLinear
{
    /// <summary>The continuous gates in use, or null.</summary>
    public Tensor? ContinuousGates => _scaled.Continuous;

    /// <summary>
    /// Sets (or, with null, clears) continuous gates: <paramref name="gates"/> has <see cref="Rank"/> entries and may
    /// require grad. Cannot be combined with variant gates or relaxed gate logits.
    /// </summary>
    public void SetContinuousGates(Tensor? gates)
    {
        if (gates is not null)
        {
            if (gates.dim() != 1 || gates.shape[0] != Rank)
            {
                throw new ArgumentException($"continuous gates must have {Rank} entries, got [{string.Join(", ", gates.shape)}]", nameof(gates));
            }

            if (HasVariantGates || GateLogits is not null)
            {
                throw new InvalidOperationException("continuous gates cannot be combined with variant gates or relaxed gates");
            }
        }

        _scaled.Continuous = gates;
    }
}
