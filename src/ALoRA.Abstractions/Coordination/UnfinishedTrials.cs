using System.Collections.Immutable;

namespace ALoRA.Abstractions.Coordination;

/// <summary>A sweep's trials that still need a trainer (<see cref="Grains.ISweepCoordinatorGrain.GetUnfinishedAsync"/>).</summary>
[GenerateSerializer, Immutable, Alias("alora.UnfinishedTrials")]
public sealed record UnfinishedTrials
{
    /// <summary>The sweep id.</summary>
    [Id(0)]
    public string SweepId { get; init; } = "";

    /// <summary>When the sweep was first submitted (default when its record cannot be read).</summary>
    [Id(1)]
    public DateTimeOffset SubmittedAt { get; init; }

    /// <summary>The sweep's concurrency limit.</summary>
    [Id(2)]
    public int MaxConcurrentTrials { get; init; }

    /// <summary>Its trials that are queued or running, in sweep order.</summary>
    [Id(3)]
    public ImmutableList<string> TrialIds { get; init; } = [];
}
