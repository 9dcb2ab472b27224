namespace ALoRA.Abstractions.Sweeps;

/// <summary>
/// The allocation methods a trial can use (<see cref="TrialSpec.Method"/>): plain LoRA at a fixed rank, or one of the
/// three ALoRA variants that prune and re-allocate ranks during training.
/// </summary>
public static class TrialMethods
{
    /// <summary>Plain LoRA: every target module keeps rank r for the whole run; no allocation rounds.</summary>
    public const string Lora = "lora";

    /// <summary>ALoRA: ranks scored by the AB-LoRA importance estimate, pruned and re-allocated in rounds.</summary>
    public const string Alora = "alora";

    /// <summary>ALoRA with rank importance learned by differentiable architecture search over the gates.</summary>
    public const string AloraDnas = "alora-dnas";

    /// <summary>ALoRA with AdaLoRA's sensitivity-based importance (smoothed |w · grad|).</summary>
    public const string AloraSensi = "alora-sensi";

    /// <summary>Every method, in documentation order.</summary>
    public static IReadOnlyList<string> All { get; } = [Lora, Alora, AloraDnas, AloraSensi];

    /// <summary>True for the methods that run allocation rounds (every method except <see cref="Lora"/>).</summary>
    /// <param name="method">A method name.</param>
    public static bool Allocates(string method) => method is Alora or AloraDnas or AloraSensi;
}
