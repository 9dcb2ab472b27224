namespace ALoRA.Abstractions.Coordination;

/// <summary>The answer to a submission.</summary>
[GenerateSerializer, Immutable, Alias("alora.SweepSubmitted")]
public sealed record SweepSubmitted
{
    /// <summary>The sweep id.</summary>
    [Id(0)]
    public string SweepId { get; init; } = "";

    /// <summary>Trials in the sweep (after duplicates were collapsed).</summary>
    [Id(1)]
    public int Trials { get; init; }

    /// <summary>Configurations that duplicated another and were collapsed.</summary>
    [Id(2)]
    public int Duplicates { get; init; }

    /// <summary>Trials already finished from an earlier submission of the same sweep, reused as they are.</summary>
    [Id(3)]
    public int Reused { get; init; }

    /// <summary>True when the sweep already existed (a resubmission).</summary>
    [Id(4)]
    public bool Existing { get; init; }

    /// <summary>
    /// True when the submission answered before all its trials were created: the rest are created and queued in the
    /// background (the sweep's state is <see cref="SweepState.Creating"/> until then).
    /// </summary>
    [Id(5)]
    public bool Creating { get; init; }

    /// <summary>Trials created when the submission answered (<see cref="Trials"/> unless <see cref="Creating"/>).</summary>
    [Id(6)]
    public int Created { get; init; }
}
