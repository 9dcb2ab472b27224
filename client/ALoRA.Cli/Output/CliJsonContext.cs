using System.Text.Json.Serialization;

namespace ALoRA.Cli.Output;

/// <summary>Source-generated JSON for everything the CLI prints in <c>--format json</c>.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ScoreReport))]
public sealed partial class CliJsonContext : JsonSerializerContext;
