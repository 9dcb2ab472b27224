using System.Text.RegularExpressions;

namespace ALoRA.Engine.Lora;

/// <summary>
/// Which linear layers get a gated LoRA adapter and how it starts, with Hugging Face PEFT's names and matching
/// rules (<c>r</c>, <c>lora_alpha</c>, <c>lora_dropout</c>, <c>target_modules</c>, <c>exclude_modules</c>,
/// <c>rank_pattern</c>, <c>alpha_pattern</c>). Defaults are the paper's: r = 8 on all 7 LLaMA projections,
/// alpha = 2 r (so the fixed scale is s = alpha / r_init = 2).
/// </summary>
public sealed record LoraConfig
{
    /// <summary>The seven projections of a LLaMA block.</summary>
    public static readonly IReadOnlyList<string> LlamaModuleTypes =
        ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    /// <summary>r: initial rank of every adapted module (default 8).</summary>
    public int R { get; init; } = 8;

    /// <summary>lora_alpha; null means 2 r (the paper's default). Scale s = alpha / r_init, fixed for the run.</summary>
    public double? LoraAlpha { get; init; }

    /// <summary>lora_dropout applied to the adapter's input during training (default 0).</summary>
    public double LoraDropout { get; init; }

    /// <summary>
    /// target_modules as a list: a module is adapted when its full path equals an entry or ends with
    /// <c>"." + entry</c>; the single entry <c>all-linear</c> adapts every linear layer except the LM head.
    /// Ignored when <see cref="TargetModulesRegex"/> is set.
    /// </summary>
    public IReadOnlyList<string> TargetModules { get; init; } = LlamaModuleTypes;

    /// <summary>target_modules as a string: a regular expression that must match the full module path.</summary>
    public string? TargetModulesRegex { get; init; }

    /// <summary>exclude_modules: same list rules as <see cref="TargetModules"/>; matching modules are not adapted.</summary>
    public IReadOnlyList<string> ExcludeModules { get; init; } = [];

    /// <summary>rank_pattern: regex key (matched as PEFT does, <c>(.*\.)?(key)$</c>) to initial rank; first match wins.</summary>
    public IReadOnlyDictionary<string, int> RankPattern { get; init; } = new Dictionary<string, int>();

    /// <summary>alpha_pattern: regex key to lora_alpha, same matching as <see cref="RankPattern"/>.</summary>
    public IReadOnlyDictionary<string, double> AlphaPattern { get; init; } = new Dictionary<string, double>();

    /// <summary>Seed for the adapter initialisation (Kaiming-uniform A).</summary>
    public long InitSeed { get; init; } = 42;

    /// <summary>
    /// Largest rank: a rank multiplies the adapter's parameters, optimizer moments and gradients; the sweep schema has
    /// the same bound (docs/sweep-spec.md, "Limits").
    /// </summary>
    public const int MaxRank = 1024;

    /// <summary>Checks every field; the message names the field.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (R is < 1 or > MaxRank)
        {
            errors.Add($"r must be in [1, {MaxRank}], got {R}");
        }

        if (LoraAlpha is <= 0 || LoraAlpha is double a && double.IsNaN(a))
        {
            errors.Add($"lora_alpha must be > 0, got {LoraAlpha}");
        }

        if (LoraDropout is < 0 or >= 1 || double.IsNaN(LoraDropout))
        {
            errors.Add($"lora_dropout must be in [0, 1), got {LoraDropout}");
        }

        if (TargetModulesRegex is null && TargetModules.Count == 0)
        {
            errors.Add("target_modules must name at least one module");
        }

        foreach (var pattern in new[] { TargetModulesRegex }.Concat(RankPattern.Keys).Concat(AlphaPattern.Keys).OfType<string>())
        {
            try
            {
                _ = new Regex(pattern);
            }
            catch (ArgumentException ex)
            {
                errors.Add($"'{pattern}' is not a valid regular expression ({ex.Message})");
            }
        }

        errors.AddRange(RankPattern.Where(p => p.Value < 0).Select(p => $"rank_pattern['{p.Key}'] must be >= 0, got {p.Value}"));
        errors.AddRange(AlphaPattern.Where(p => !(p.Value > 0)).Select(p => $"alpha_pattern['{p.Key}'] must be > 0, got {p.Value}"));
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid LoRA configuration: " + string.Join("; ", errors));
        }
    }
}
