using System.Collections.Immutable;
namespace ALoRA.Abstractions.Sweeps;

/// <summary>
/// The LoRA adapter of a trial (PEFT names): initial rank, scaling, dropout and the adapted module types.
/// A default instance holds the paper's defaults.
/// </summary>
[GenerateSerializer, Immutable, Alias("alora.LoraSettings")]
public sealed record LoraSettings
{
    /// <summary>The seven linear module types of a LLaMA decoder layer, in model order.</summary>
    public static ImmutableList<string> LlamaModuleNames { get; } =
        ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    /// <summary>Initial rank of every adapted module (the per-module budget). Default 8.</summary>
    [Id(0)]
    public int R { get; init; } = 8;

    /// <summary>LoRA scaling numerator (scale = alpha / r). Default null, meaning 2 * <see cref="R"/>.</summary>
    [Id(1)]
    public double? LoraAlpha { get; init; }

    /// <summary>Dropout on the adapter input, in [0, 1). Default 0.0.</summary>
    [Id(2)]
    public double LoraDropout { get; init; }

    /// <summary>Adapted module types, a subset of <see cref="LlamaModuleNames"/>. Default: all seven.</summary>
    [Id(3)]
    public ImmutableList<string> TargetModules { get; init; } = LlamaModuleNames;
}
