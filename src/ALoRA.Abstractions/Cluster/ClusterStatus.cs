using System.Collections.Immutable;

namespace ALoRA.Abstractions.Cluster;

/// <summary>Trainers and the queue.</summary>
[GenerateSerializer, Immutable, Alias("alora.ClusterStatus")]
public sealed record ClusterStatus
{
    /// <summary>Registered trainers.</summary>
    [Id(0)]
    public ImmutableList<TrainerInfo> Trainers { get; init; } = [];

    /// <summary>Trials waiting for a trainer, all sweeps.</summary>
    [Id(1)]
    public int Queued { get; init; }

    /// <summary>Trials assigned to a trainer.</summary>
    [Id(2)]
    public int Running { get; init; }

    /// <summary>Known sweeps, oldest first.</summary>
    [Id(3)]
    public ImmutableList<string> Sweeps { get; init; } = [];

    /// <summary>
    /// Why the scheduler's stored state cannot be read (naming the file or Redis key), in which case nothing is queued or
    /// dispatched until it is repaired or deleted; null when it was read.
    /// </summary>
    [Id(4)]
    public string? SchedulerError { get; init; }

    /// <summary>
    /// When and why the scheduler last rebuilt its sweep list and queue from the sweeps' records (its own record was
    /// missing or unreadable; an unreadable one is kept under another name, given here); null when it never did.
    /// </summary>
    [Id(5)]
    public string? SchedulerRebuilt { get; init; }
}
