using System.Collections.Immutable;
using ALoRA.Abstractions.Trials;

namespace ALoRA.Abstractions.Coordination;

/// <summary>A sweep and its trials.</summary>
[GenerateSerializer, Immutable, Alias("alora.SweepStatus")]
public sealed record SweepStatus
{
    /// <summary>The sweep id.</summary>
    [Id(0)]
    public string SweepId { get; init; } = "";

    /// <summary>Display name from the spec.</summary>
    [Id(1)]
    public string? Name { get; init; }

    /// <summary>State.</summary>
    [Id(2)]
    public SweepState State { get; init; }

    /// <summary>The spec's metric (e.g. test_accuracy).</summary>
    [Id(3)]
    public string Metric { get; init; } = "";

    /// <summary>max or min.</summary>
    [Id(4)]
    public string Mode { get; init; } = "";

    /// <summary>When it was first submitted.</summary>
    [Id(5)]
    public DateTimeOffset SubmittedAt { get; init; }

    /// <summary>Every trial, in sweep order.</summary>
    [Id(6)]
    public ImmutableList<TrialStatus> Trials { get; init; } = [];

    /// <summary>Why the sweep's stored state cannot be read (naming the file or Redis key); null when it was read.</summary>
    [Id(7)]
    public string? Error { get; init; }

    /// <summary>
    /// Trials created so far, in sweep order (all of them unless <see cref="State"/> is <see cref="SweepState.Creating"/>);
    /// the trials after them have no experiment yet and show with a default (queued) status.
    /// </summary>
    [Id(8)]
    public int Created { get; init; }

    /// <summary>Number of trials in <paramref name="state"/>.</summary>
    public int Count(TrialState state) => Trials.Count(t => t.State == state);
}
