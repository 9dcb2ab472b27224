using System.Collections.Immutable;

namespace ALoRA.Abstractions.Sweeps;

/// <summary>One sweep's part of a <see cref="TrialQueueSnapshot"/>.</summary>
[GenerateSerializer, Immutable, Alias("alora.SweepQueueSnapshot")]
public sealed record SweepQueueSnapshot
{
    /// <summary>The sweep id.</summary>
    [Id(0)]
    public string SweepId { get; init; } = "";

    /// <summary>The most trials of this sweep that may run at once (the spec's max_concurrent_trials).</summary>
    [Id(1)]
    public int MaxConcurrent { get; init; } = 1;

    /// <summary>Queued trial ids, front first.</summary>
    [Id(2)]
    public ImmutableList<string> Queued { get; init; } = [];

    /// <summary>Running trial ids, in the order they were dequeued.</summary>
    [Id(3)]
    public ImmutableList<string> Running { get; init; } = [];
}
