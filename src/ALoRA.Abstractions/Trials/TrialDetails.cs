using System.Collections.Immutable;
using ALoRA.Abstractions.Sweeps;

namespace ALoRA.Abstractions.Trials;

/// <summary>Everything known about one trial: spec, status, allocation history and the loss curve.</summary>
[GenerateSerializer, Immutable, Alias("alora.TrialDetails")]
public sealed record TrialDetails
{
    /// <summary>The resolved configuration.</summary>
    [Id(0)]
    public TrialSpec Spec { get; init; } = new();

    /// <summary>Current status.</summary>
    [Id(1)]
    public TrialStatus Status { get; init; } = new();

    /// <summary>Every allocation round so far, continuous across attempts.</summary>
    [Id(2)]
    public ImmutableList<AllocationRoundSummary> Rounds { get; init; } = [];

    /// <summary>Training loss per step (index = step - 1), continuous across attempts.</summary>
    [Id(3)]
    public ImmutableList<double> StepLosses { get; init; } = [];

    /// <summary>Dev evaluations (step, loss, metric).</summary>
    [Id(4)]
    public ImmutableList<TrialProgress> Evaluations { get; init; } = [];

    /// <summary>One line per attempt: trainer, start, end and how it ended.</summary>
    [Id(5)]
    public ImmutableList<string> Attempts { get; init; } = [];
}
