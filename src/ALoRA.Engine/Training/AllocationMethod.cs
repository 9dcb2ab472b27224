namespace ALoRA.Engine.Training;

/// <summary>How a trial allocates its rank budget (alora.md section 6).</summary>
public enum AllocationMethod
{
    /// <summary><c>lora</c>: fixed rank, no allocation (baseline).</summary>
    Lora,

    /// <summary><c>alora</c>: AB-LoRA scores, prune and reallocate (sections 1-4).</summary>
    Alora,
}
