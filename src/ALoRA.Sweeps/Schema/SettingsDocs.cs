using System.Text;
using System.Text.RegularExpressions;

namespace ALoRA.Sweeps.Schema;

/// <summary>
/// The settings tables of docs/sweep-spec.md, generated from <see cref="SpecSchema"/>. Each table sits between
/// <c>&lt;!-- settings:NAME --&gt;</c> and <c>&lt;!-- /settings --&gt;</c>; a test regenerates them.
/// </summary>
public static partial class SettingsDocs
{
    /// <summary>The tables by marker name: <c>lora</c>, <c>training</c>, <c>allocation</c> (common keys), <c>methods</c>.</summary>
    public static IReadOnlyDictionary<string, string> Tables() => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["lora"] = Table(SpecSchema.Lora.Select(d => ((string?)null, d))),
        ["training"] = Table(SpecSchema.Training.Select(d => ((string?)null, d))),
        ["allocation"] = Table(SpecSchema.AllocationCommon.Select(d => ((string?)null, d))),
        ["methods"] = Table(SpecSchema.MethodSpecific.SelectMany(m => m.Value.Select(d => ((string?)m.Key, d)))),
    };

    /// <summary>Replaces every marked table in <paramref name="markdown"/> with its generated text.</summary>
    /// <param name="markdown">The text of docs/sweep-spec.md.</param>
    /// <exception cref="InvalidOperationException">A marker names no table, or a table has no marker.</exception>
    public static string Apply(string markdown)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        var tables = Tables();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = Marked().Replace(markdown, m =>
        {
            var name = m.Groups["name"].Value;
            if (!tables.TryGetValue(name, out var table))
            {
                throw new InvalidOperationException($"docs marker settings:{name} names no table; known: {string.Join(", ", tables.Keys)}");
            }

            seen.Add(name);
            return $"<!-- settings:{name} -->\n{table}<!-- /settings -->";
        });
        var missing = tables.Keys.Where(k => !seen.Contains(k)).ToList();
        return missing.Count == 0 ? result : throw new InvalidOperationException($"docs lack the markers settings:{string.Join(", settings:", missing)}");
    }

    private static string Table(IEnumerable<(string? Block, SettingDef Def)> rows)
    {
        var list = rows.ToList();
        var withBlock = list.Any(r => r.Block is not null);
        var text = new StringBuilder();
        text.Append(withBlock ? "| block | key | type | default | meaning |\n| --- | --- | --- | --- | --- |\n" : "| key | type | default | meaning |\n| --- | --- | --- | --- |\n");
        foreach (var (block, def) in list)
        {
            if (withBlock)
            {
                text.Append($"| `{block}` ");
            }

            text.Append($"| `{def.Key}` | {TypeText(def)} | {DefaultText(def)} | {def.Doc.Replace("|", "\\|", StringComparison.Ordinal)} |\n");
        }

        return text.ToString();
    }

    private static string TypeText(SettingDef def)
    {
        var range = def.RangeText.Length > 0 ? " " + def.RangeText : "";
        var type = def.Kind switch
        {
            SettingKind.Integer => "integer" + range,
            SettingKind.Real => "number" + range,
            SettingKind.Boolean => "boolean",
            SettingKind.Text => string.Join(" \\| ", def.Allowed!.Select(a => $"`{a}`")),
            SettingKind.Schedule => "schedule length" + range,
            _ => $"list of distinct names from `{string.Join(' ', def.Allowed!)}`",
        };
        return def.Nullable ? type + ", or null" : type;
    }

    private static string DefaultText(SettingDef def) =>
        $"`{SpecSchema.Format(def.Default)}`" + (def.DefaultNote is { } note ? $" ({note})" : "");

    [GeneratedRegex(@"<!-- settings:(?<name>[a-z-]+) -->\n.*?<!-- /settings -->", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex Marked();
}
