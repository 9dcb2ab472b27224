using System.Globalization;
using System.Text.RegularExpressions;

namespace ALoRA.Grains.Hosting;

/// <summary>A memory size setting: a whole number of bytes, or a number with <c>KiB</c>, <c>MiB</c>, <c>GiB</c> or <c>TiB</c>.</summary>
public static partial class MemorySize
{
    /// <summary>Reads <paramref name="text"/> (<c>24GiB</c>, <c>1.5 TiB</c>, <c>536870912</c>); false when it is not a positive size.</summary>
    /// <param name="text">The setting's value.</param>
    /// <param name="bytes">The size in bytes.</param>
    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        var match = SizePattern().Match(text ?? "");
        if (!match.Success || !double.TryParse(match.Groups["n"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        var unit = match.Groups["u"].Value.ToUpperInvariant() switch
        {
            "KIB" => 1L << 10,
            "MIB" => 1L << 20,
            "GIB" => 1L << 30,
            "TIB" => 1L << 40,
            _ => 1L,
        };
        var value = number * unit;
        if (value is < 1 or > long.MaxValue / 2)
        {
            return false;
        }

        bytes = (long)value;
        return true;
    }

    [GeneratedRegex(@"^\s*(?<n>[0-9]+(\.[0-9]+)?)\s*(?<u>B|KiB|MiB|GiB|TiB)?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex SizePattern();
}
