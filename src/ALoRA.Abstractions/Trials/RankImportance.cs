namespace ALoRA.Abstractions.Trials;

/// <summary>One rank's importance in an allocation round.</summary>
[GenerateSerializer, Immutable, Alias("alora.RankImportance")]
public sealed record RankImportance
{
    /// <summary>Full module path.</summary>
    [Id(0)]
    public string Module { get; init; } = "";

    /// <summary>Physical rank index when scored.</summary>
    [Id(1)]
    public int Rank { get; init; }

    /// <summary>The method's importance (AB-LoRA: IS).</summary>
    [Id(2)]
    public double Importance { get; init; }

    /// <summary>CE with only this rank removed (AB-LoRA only).</summary>
    [Id(3)]
    public double? CeWithout { get; init; }

    /// <summary>CE with only this rank kept (AB-LoRA only).</summary>
    [Id(4)]
    public double? CeOnly { get; init; }
}
