using System.Collections.Immutable;

namespace ALoRA.Abstractions.Coordination;

/// <summary>A page of a sweep's progress feed (<see cref="Grains.ISweepCoordinatorGrain.WatchAsync"/> streams them).</summary>
[GenerateSerializer, Immutable, Alias("alora.SweepEvents")]
public sealed record SweepEvents
{
    /// <summary>Events after the requested sequence number, oldest first.</summary>
    [Id(0)]
    public ImmutableList<SweepEvent> Events { get; init; } = [];

    /// <summary>The newest sequence number sent (pass it back to resume).</summary>
    [Id(1)]
    public long LastSequence { get; init; }

    /// <summary>True when events between the requested number and the first returned were dropped (the feed keeps the newest ones; take a status snapshot).</summary>
    [Id(2)]
    public bool Gap { get; init; }
}
