using System.Collections.Immutable;

namespace ALoRA.Abstractions.Trials;

/// <summary>What an experiment sends its sweep's coordinator after each report or state change.</summary>
[GenerateSerializer, Immutable, Alias("alora.TrialUpdate")]
public sealed record TrialUpdate
{
    /// <summary>Progress events just applied, in order (empty for a state change).</summary>
    [Id(0)]
    public ImmutableList<TrialProgress> Progress { get; init; } = [];

    /// <summary>The trial's status after them (carrying its <see cref="TrialStatus.Version"/>).</summary>
    [Id(1)]
    public TrialStatus Status { get; init; } = new();

    /// <summary>True when <see cref="Status"/> is a new state (queued, running, completed, ...), not just more progress.</summary>
    [Id(2)]
    public bool StateChanged { get; init; }
}
