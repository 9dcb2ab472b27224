namespace ALoRA.Engine.Training;

/// <summary>How a trial allocates its rank budget (docs/alora-method.md section 6); names in configuration via <see cref="AllocationMethods"/>.</summary>
public enum AllocationMethod
{
    /// <summary><c>lora</c>: fixed rank, no allocation (baseline).</summary>
    Lora,

    /// <summary><c>alora</c>: AB-LoRA scores, prune and reallocate (sections 1-4).</summary>
    Alora,

    /// <summary><c>alora-dnas</c>: importance = relaxed gate value <c>2 sigmoid(a)</c>, gates trained on half the training set.</summary>
    AloraDnas,

    /// <summary><c>alora-sensi</c>: importance = AdaLoRA's smoothed sensitivity summed over the rank's row of A and column of B.</summary>
    AloraSensi,
}
