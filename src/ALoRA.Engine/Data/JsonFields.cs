using System.Globalization;
using System.Text.Json;

namespace ALoRA.Engine.Data;

/// <summary>Field accessors for task rows that raise <see cref="DataFormatException"/>s naming file, line and field.</summary>
internal static class JsonFields
{
    /// <summary>Returns the first present field among <paramref name="names"/> (GLUE/SuperGLUE aliases) and its name.</summary>
    public static (JsonElement Value, string Name) Require(JsonElement row, string file, int line, params string[] names)
    {
        foreach (var name in names)
        {
            if (row.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null)
            {
                return (value, name);
            }
        }

        var alternatives = names.Length == 1 ? string.Empty : $" (or {string.Join(", ", names.Skip(1).Select(n => $"\"{n}\""))})";
        throw DataFormatException.ForField(file, line, names[0], $"is missing{alternatives}");
    }

    /// <summary>A required non-blank string field, trimmed.</summary>
    public static string RequireText(JsonElement row, string file, int line, params string[] names)
    {
        var (value, name) = Require(row, file, line, names);
        if (value.ValueKind != JsonValueKind.String)
        {
            throw DataFormatException.ForField(file, line, name, $"must be a string, got {Describe(value)}");
        }

        var text = value.GetString()!.Trim();
        if (text.Length == 0)
        {
            throw DataFormatException.ForField(file, line, name, "must not be empty");
        }

        return text;
    }

    /// <summary>
    /// A class label in <c>[0, count)</c>: an integer, or (when <paramref name="names"/> is given) one of those strings
    /// (its index), or (when <paramref name="allowBool"/>) a JSON boolean (false = 0, true = 1).
    /// </summary>
    public static int RequireLabel(
        JsonElement row, string file, int line, string[] fields, int count, string[]? names = null, bool allowBool = false)
    {
        var (value, field) = Require(row, file, line, fields);
        var allowed = string.Join(" or ", Enumerable.Range(0, count).Select(i => i.ToString(CultureInfo.InvariantCulture)));
        switch (value.ValueKind)
        {
            case JsonValueKind.Number:
                if (value.TryGetInt32(out var label) && label >= 0 && label < count)
                {
                    return label;
                }

                throw DataFormatException.ForField(file, line, field, $"must be {allowed}, got {value.GetRawText()}");
            case JsonValueKind.True when allowBool:
                return 1;
            case JsonValueKind.False when allowBool:
                return 0;
            case JsonValueKind.String when names is not null:
                var index = Array.IndexOf(names, value.GetString());
                if (index >= 0)
                {
                    return index;
                }

                throw DataFormatException.ForField(
                    file, line, field, $"must be {allowed} or one of {string.Join(", ", names.Select(n => $"\"{n}\""))}, got {value.GetRawText()}");
            default:
                var kinds = allowBool ? "an integer or a boolean" : names is null ? "an integer" : "an integer or a string";
                throw DataFormatException.ForField(file, line, field, $"must be {kinds}, got {Describe(value)}");
        }
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"string {value.GetRawText()}",
        JsonValueKind.Number => $"number {value.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => $"boolean {value.GetRawText()}",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => value.ValueKind.ToString().ToLowerInvariant(),
    };
}
