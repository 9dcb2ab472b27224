using System.Text.Json;

namespace ALoRA.Engine.Model;

/// <summary>Typed field access on a JSON object with errors that name the source and the field.</summary>
internal readonly struct ConfigReader(JsonElement root, string source)
{
    public string String(string name, string fallback) =>
        Find(name) is { } e ? e.ValueKind == JsonValueKind.String ? e.GetString()! : throw Bad(name, "a string") : fallback;

    public bool Bool(string name, bool fallback) =>
        Find(name) is { } e ? e.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Bad(name, "true or false"),
        } : fallback;

    public int Int(string name, int fallback) =>
        Find(name) is { } e ? e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var v) ? v : throw Bad(name, "an integer") : fallback;

    public int PositiveInt(string name, int? fallback = null)
    {
        if (Find(name) is not { } e)
        {
            return fallback is > 0 ? fallback.Value : throw new ModelLoadException($"{source}: required field \"{name}\" is missing");
        }

        return e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var v) && v > 0 ? v : throw Bad(name, "a positive integer");
    }

    public double PositiveDouble(string name, double fallback) =>
        Find(name) is { } e ? e.ValueKind == JsonValueKind.Number && e.GetDouble() > 0 ? e.GetDouble() : throw Bad(name, "a positive number") : fallback;

    private JsonElement? Find(string name) =>
        root.TryGetProperty(name, out var e) && e.ValueKind != JsonValueKind.Null ? e : null;

    private ModelLoadException Bad(string name, string expected) =>
        new($"{source}: field \"{name}\" must be {expected}, got {root.GetProperty(name).GetRawText()}");
}
