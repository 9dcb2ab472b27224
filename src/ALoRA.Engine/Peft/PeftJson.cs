using System.Text.Json;

namespace ALoRA.Engine.Peft;

/// <summary>Typed reads of <c>adapter_config.json</c> fields; errors name the file and the field.</summary>
internal sealed class PeftJson(JsonElement root, string path)
{
    /// <summary>The file the fields come from.</summary>
    public string Path { get; } = path;

    /// <summary>The field, or null when absent or JSON null.</summary>
    public JsonElement? Field(string name) =>
        root.TryGetProperty(name, out var e) && e.ValueKind != JsonValueKind.Null ? e : null;

    /// <summary>An integer field, or <paramref name="fallback"/> when absent.</summary>
    public int Int(string name, int fallback) => Field(name) is { } e ? ToInt(e, $"\"{name}\"") : fallback;

    /// <summary>A number field, or <paramref name="fallback"/> when absent.</summary>
    public double Double(string name, double fallback) => Field(name) is { } e ? ToDouble(e, $"\"{name}\"") : fallback;

    /// <summary>A true/false field, or <paramref name="fallback"/> when absent.</summary>
    public bool Bool(string name, bool fallback) => Field(name) switch
    {
        null => fallback,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        { } e => throw Error($"field \"{name}\" must be true or false, got {e.GetRawText()}"),
    };

    /// <summary>A string field, or null when absent.</summary>
    public string? String(string name) => Field(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } e => e.GetString(),
        { } e => throw Error($"field \"{name}\" must be a string, got {e.GetRawText()}"),
    };

    /// <summary>A list of strings (JSON array), or null when the field is a string (returned in <paramref name="text"/>) or absent.</summary>
    public List<string>? ListOrString(string name, out string? text)
    {
        text = null;
        switch (Field(name))
        {
            case null:
                return null;
            case { ValueKind: JsonValueKind.String } e:
                text = e.GetString();
                return null;
            case { ValueKind: JsonValueKind.Array } e:
                return e.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String
                    ? x.GetString()!
                    : throw Error($"field \"{name}\" must list strings, got {x.GetRawText()}")).ToList();
            case { } e:
                throw Error($"field \"{name}\" must be a list of strings or a string, got {e.GetRawText()}");
        }
    }

    /// <summary>A JSON object read in file order as key/value pairs.</summary>
    public List<KeyValuePair<string, T>> Map<T>(string name, Func<JsonElement, string, T> convert) => Field(name) switch
    {
        null => [],
        { ValueKind: JsonValueKind.Object } e => e.EnumerateObject()
            .Select(p => KeyValuePair.Create(p.Name, convert(p.Value, $"\"{name}\"['{p.Name}']"))).ToList(),
        { } e => throw Error($"field \"{name}\" must be an object, got {e.GetRawText()}"),
    };

    /// <summary>An integer value; <paramref name="what"/> names it in the error.</summary>
    public int ToInt(JsonElement e, string what) =>
        e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out var d) && d == Math.Floor(d) && Math.Abs(d) <= int.MaxValue
            ? (int)d
            : throw Error($"field {what} must be an integer, got {e.GetRawText()}");

    /// <summary>A number value; <paramref name="what"/> names it in the error.</summary>
    public double ToDouble(JsonElement e, string what) =>
        e.ValueKind == JsonValueKind.Number ? e.GetDouble() : throw Error($"field {what} must be a number, got {e.GetRawText()}");

    /// <summary>An error naming the file.</summary>
    public PeftFormatException Error(string what) => new($"{Path}: {what}");
}
