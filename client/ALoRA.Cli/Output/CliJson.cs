using System.Text.Json;
using System.Text.Json.Serialization;

namespace ALoRA.Cli.Output;

/// <summary>JSON the CLI prints for cluster objects: snake_case, enums as strings, NaN allowed.</summary>
public static class CliJson
{
    /// <summary>Indented, for whole documents.</summary>
    public static readonly JsonSerializerOptions Indented = Create(true);

    /// <summary>One line, for event streams (one JSON object per line).</summary>
    public static readonly JsonSerializerOptions Line = Create(false);

    private static JsonSerializerOptions Create(bool indented) => new()
    {
        WriteIndented = indented,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };
}
