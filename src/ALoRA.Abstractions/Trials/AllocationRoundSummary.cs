using System.Collections.Immutable;

namespace ALoRA.Abstractions.Trials;

/// <summary>What one allocation round of a trial did (docs/alora-method.md section 7).</summary>
[GenerateSerializer, Immutable, Alias("alora.AllocationRoundSummary")]
public sealed record AllocationRoundSummary
{
    /// <summary>1-based round number.</summary>
    [Id(0)]
    public int Round { get; init; }

    /// <summary>Optimizer steps done when the round ran.</summary>
    [Id(1)]
    public int Step { get; init; }

    /// <summary>CE of the network on the round's validation batch.</summary>
    [Id(2)]
    public double BaseCe { get; init; }

    /// <summary>Every active rank's score.</summary>
    [Id(3)]
    public ImmutableList<RankImportance> Scores { get; init; } = [];

    /// <summary>Pruned ranks as <c>module[rank]</c>.</summary>
    [Id(4)]
    public ImmutableList<string> Pruned { get; init; } = [];

    /// <summary>Ranks added per module.</summary>
    [Id(5)]
    public Dictionary<string, int> Added { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Active ranks per module after the round.</summary>
    [Id(6)]
    public Dictionary<string, int> RanksAfter { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Dev loss after the round.</summary>
    [Id(7)]
    public double DevLoss { get; init; }

    /// <summary>Seconds spent scoring.</summary>
    [Id(8)]
    public double ScoringSeconds { get; init; }
}
