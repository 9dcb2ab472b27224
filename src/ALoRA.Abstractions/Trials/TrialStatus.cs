namespace ALoRA.Abstractions.Trials;

/// <summary>A snapshot of one trial for status views.</summary>
[GenerateSerializer, Immutable, Alias("alora.TrialStatus")]
public sealed record TrialStatus
{
    /// <summary>The trial.</summary>
    [Id(0)]
    public string TrialId { get; init; } = "";

    /// <summary>Its sweep.</summary>
    [Id(1)]
    public string SweepId { get; init; } = "";

    /// <summary>Position in the sweep.</summary>
    [Id(2)]
    public int Index { get; init; }

    /// <summary>Allocation method.</summary>
    [Id(3)]
    public string Method { get; init; } = "";

    /// <summary>Seed.</summary>
    [Id(4)]
    public long Seed { get; init; }

    /// <summary>Values drawn from the search space.</summary>
    [Id(5)]
    public Dictionary<string, string> SearchValues { get; init; } = new(StringComparer.Ordinal);

    /// <summary>State.</summary>
    [Id(6)]
    public TrialState State { get; init; }

    /// <summary>Current (or last) attempt; 0 before the first.</summary>
    [Id(7)]
    public int Attempt { get; init; }

    /// <summary>Trainer of the current attempt.</summary>
    [Id(8)]
    public string? Trainer { get; init; }

    /// <summary>Steps done (as last reported).</summary>
    [Id(9)]
    public int Step { get; init; }

    /// <summary>Steps planned.</summary>
    [Id(10)]
    public int TotalSteps { get; init; }

    /// <summary>Last training loss.</summary>
    [Id(11)]
    public double? Loss { get; init; }

    /// <summary>Last dev loss.</summary>
    [Id(12)]
    public double? DevLoss { get; init; }

    /// <summary>Allocation rounds done so far.</summary>
    [Id(13)]
    public int Rounds { get; init; }

    /// <summary>Ranks moved (pruned and re-added) so far.</summary>
    [Id(14)]
    public int RanksMoved { get; init; }

    /// <summary>The result, once completed.</summary>
    [Id(15)]
    public TrialResult? Result { get; init; }

    /// <summary>
    /// Why the trial failed (or the last attempt's failure when it was retried); for a <see cref="TrialState.Stopped"/>
    /// trial, why its sweep's scheduler stopped it (<c>stopped at step 400: rung 2, below the top 1/3 ...</c>).
    /// </summary>
    [Id(16)]
    public string? Error { get; init; }

    /// <summary>Attempts lost to infrastructure (trainer or silo gone).</summary>
    [Id(17)]
    public int InfrastructureRetries { get; init; }

    /// <summary>Attempts in which the training itself failed.</summary>
    [Id(18)]
    public int TrialFailures { get; init; }

    /// <summary>When the state last changed.</summary>
    [Id(19)]
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>
    /// How many state changes the trial has had, counted and stored by its experiment: of two statuses of one trial, the
    /// one with the higher number is newer (0: none counted yet, or an unreadable trial).
    /// </summary>
    [Id(20)]
    public long Version { get; init; }

    /// <summary>
    /// The last progress event of the current attempt folded into this status (<see cref="TrialProgress.Sequence"/>):
    /// orders statuses of the same <see cref="Version"/>.
    /// </summary>
    [Id(21)]
    public long ProgressSequence { get; init; }

    /// <summary>
    /// True when this status may replace <paramref name="known"/>, a status of the same trial: it is as new or newer
    /// (<see cref="Version"/>, then <see cref="ProgressSequence"/>), or one of the two is <see cref="TrialState.Unreadable"/>
    /// (which carries no count). A status that arrives late, after a newer one, does not supersede it.
    /// </summary>
    public bool Supersedes(TrialStatus? known) =>
        known is null || State == TrialState.Unreadable || known.State == TrialState.Unreadable
        || (Version, ProgressSequence).CompareTo((known.Version, known.ProgressSequence)) >= 0;
}
