using System.Text.RegularExpressions;

namespace ALoRA.Engine.Peft;

/// <summary>
/// PEFT's tensor names: <c>base_model.model.{path}.lora_A.weight</c> as saved by <c>save_pretrained</c>; the
/// <c>base_model.model.</c> prefix may be missing and an adapter name may precede <c>.weight</c>
/// (<c>{path}.lora_A.default.weight</c>).
/// </summary>
internal static partial class PeftTensorNames
{
    /// <summary>The prefix PEFT's <c>PeftModel</c> puts before the base model's module paths.</summary>
    public const string Prefix = "base_model.model.";

    /// <summary>The name <see cref="PeftAdapterExporter"/> writes for A or B of the module at <paramref name="path"/>.</summary>
    public static string Stored(string path, char factor) => $"{Prefix}{path}.lora_{factor}.weight";

    /// <summary>The engine's name (<c>{path}.lora_A.weight</c>) for a stored name, or null when it names no LoRA factor.</summary>
    public static string? Canonical(string stored)
    {
        var name = stored.StartsWith(Prefix, StringComparison.Ordinal) ? stored[Prefix.Length..] : stored;
        var match = FactorName().Match(name);
        return match.Success ? $"{match.Groups["path"].Value}.lora_{match.Groups["factor"].Value}.weight" : null;
    }

    [GeneratedRegex(@"^(?<path>.+)\.lora_(?<factor>[AB])(?:\.[^.]+)?\.weight$", RegexOptions.CultureInvariant)]
    private static partial Regex FactorName();
}
