using System.Text.Json.Serialization;

namespace ALoRA.Cli.Output;

/// <summary>The JSON document <c>alora score --format json</c> prints.</summary>
public sealed record ScoreReport(
    string Model,
    string Adapter,
    string Data,
    string Method,
    int BatchRows,
    int TargetTokens,
    double Ce,
    IReadOnlyList<RankScoreRow> Ranks,
    IReadOnlyList<ModuleScoreRow> Modules,
    double Seconds,
    double ForwardEquivalents);

/// <summary>
/// One rank: module path, index, CE without it, CE with only it, and IS; for <c>hybrid</c>, whether the rank was
/// shortlisted (its values are exact; the others are <c>approx</c> estimates); absent for the other methods.
/// </summary>
public sealed record RankScoreRow(string Module, int Index, double CeWithout, double CeOnly, double Importance)
{
    /// <summary><c>hybrid</c> only: the rank was in the shortlist scored exactly (null for the other methods, and then not written).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Shortlisted { get; init; }
}

/// <summary>Per module: active ranks and the mean importance of its ranks.</summary>
public sealed record ModuleScoreRow(string Module, int ActiveRanks, double MeanImportance);
