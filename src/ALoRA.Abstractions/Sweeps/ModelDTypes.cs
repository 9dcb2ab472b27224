namespace ALoRA.Abstractions.Sweeps;

/// <summary>
/// The dtypes the frozen base model can be stored and computed in (<c>model.dtype</c> in a sweep spec,
/// <see cref="TrialSpec.DType"/>; docs/sweep-spec.md). The adapters, optimizer moments and losses stay float32 whatever
/// the base dtype (docs/engine-notes.md, "Precision").
/// </summary>
public static class ModelDTypes
{
    /// <summary>32-bit IEEE floating point: the default on CPU.</summary>
    public const string Float32 = "float32";

    /// <summary>bfloat16 (8-bit exponent, 7-bit mantissa): the default on CUDA.</summary>
    public const string BFloat16 = "bfloat16";

    /// <summary>IEEE half precision (5-bit exponent, 10-bit mantissa).</summary>
    public const string Float16 = "float16";

    /// <summary>Every dtype, in documentation order.</summary>
    public static IReadOnlyList<string> All { get; } = [Float32, BFloat16, Float16];

    /// <summary>True for a known dtype name.</summary>
    /// <param name="dtype">A dtype name.</param>
    public static bool IsKnown(string? dtype) => dtype is Float32 or BFloat16 or Float16;

    /// <summary>The dtype a trial without one runs in on <paramref name="device"/>: bfloat16 on CUDA, float32 elsewhere.</summary>
    /// <param name="device">A device name (<c>cpu</c>, <c>cpu:N</c>, <c>cuda:N</c>).</param>
    public static string DeviceDefault(string device) =>
        (device ?? "").Trim().StartsWith("cuda", StringComparison.OrdinalIgnoreCase) ? BFloat16 : Float32;

    /// <summary>Bytes per element of <paramref name="dtype"/> (4 or 2).</summary>
    /// <param name="dtype">A known dtype name.</param>
    /// <exception cref="ArgumentException">Not a known dtype.</exception>
    public static int ElementBytes(string dtype) => dtype switch
    {
        Float32 => 4,
        BFloat16 or Float16 => 2,
        _ => throw new ArgumentException($"unknown dtype '{dtype}'; expected one of {string.Join(", ", All)}", nameof(dtype)),
    };
}
