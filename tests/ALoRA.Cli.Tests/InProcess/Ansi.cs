using System.Text.RegularExpressions;

namespace ALoRA.Cli.Tests.InProcess;

/// <summary>What ANSI output contains.</summary>
internal static partial class Ansi
{
    /// <summary>The SGR parameters that set a foreground or background colour (30-49, 90-107) in <paramref name="output"/>.</summary>
    public static IReadOnlyList<string> ColourCodes(string output) =>
        Sgr().Matches(output)
            .SelectMany(m => m.Groups[1].Value.Split(';', StringSplitOptions.RemoveEmptyEntries))
            .Where(p => int.TryParse(p, out var n) && n is (>= 30 and <= 49) or (>= 90 and <= 107))
            .ToList();

    /// <summary><paramref name="output"/> without its control sequences.</summary>
    public static string Strip(string output) => Csi().Replace(output, "");

    [GeneratedRegex(@"\u001b\[[0-9;?]*[A-Za-z]")]
    private static partial Regex Csi();

    [GeneratedRegex(@"\u001b\[([0-9;]*)m")]
    private static partial Regex Sgr();
}
