using System.Text.RegularExpressions;

namespace ALoRA.Engine.Lora;

/// <summary>PEFT's module-matching rules applied to a <see cref="LoraConfig"/>.</summary>
public sealed class LoraTargeting(LoraConfig config)
{
    /// <summary>The configuration this targeting applies.</summary>
    public LoraConfig Config { get; } = config;

    /// <summary>True when the linear layer at <paramref name="path"/> gets an adapter.</summary>
    /// <param name="path">Full module path, e.g. <c>model.layers.0.self_attn.q_proj</c>.</param>
    /// <param name="isOutputLayer">The LM head (never adapted by <c>all-linear</c>).</param>
    public bool IsTarget(string path, bool isOutputLayer = false)
    {
        if (MatchesList(Config.ExcludeModules, path))
        {
            return false;
        }

        if (Config.TargetModulesRegex is { } regex)
        {
            return Regex.IsMatch(path, $"^(?:{regex})$");
        }

        if (Config.TargetModules is ["all-linear"])
        {
            return !isOutputLayer;
        }

        return MatchesList(Config.TargetModules, path);
    }

    /// <summary>Initial rank of the module at <paramref name="path"/>: first matching rank_pattern key, else r.</summary>
    public int InitialRank(string path) => FirstPatternMatch(Config.RankPattern, path) ?? Config.R;

    /// <summary>lora_alpha of the module: first matching alpha_pattern key, else lora_alpha, else 2 r (paper default).</summary>
    public double Alpha(string path) =>
        FirstPatternMatch(Config.AlphaPattern, path) ?? Config.LoraAlpha ?? 2.0 * Config.R;

    /// <summary>PEFT's list rule: exact path, or path ending with "." + entry.</summary>
    public static bool MatchesList(IReadOnlyList<string> entries, string path) =>
        entries.Any(e => path == e || path.EndsWith("." + e, StringComparison.Ordinal));

    private static T? FirstPatternMatch<T>(IReadOnlyDictionary<string, T> patterns, string path)
        where T : struct
    {
        foreach (var (key, value) in patterns)
        {
            if (Regex.IsMatch(path, $"^(?:.*\\.)?(?:{key})$"))
            {
                return value;
            }
        }

        return null;
    }
}
