namespace ALoRA.Abstractions.Trials;

/// <summary>One progress event of a trial's attempt, sent by its trainer and fanned out to watchers.</summary>
[GenerateSerializer, Immutable, Alias("alora.TrialProgress")]
public sealed record TrialProgress
{
    /// <summary>The trial.</summary>
    [Id(0)]
    public string TrialId { get; init; } = "";

    /// <summary>The attempt (fencing token) that produced the event.</summary>
    [Id(1)]
    public int Attempt { get; init; }

    /// <summary>What happened.</summary>
    [Id(2)]
    public TrialProgressKind Kind { get; init; }

    /// <summary>Optimizer steps done.</summary>
    [Id(3)]
    public int Step { get; init; }

    /// <summary>Steps the schedule plans.</summary>
    [Id(4)]
    public int TotalSteps { get; init; }

    /// <summary>Training loss of the step.</summary>
    [Id(5)]
    public double? Loss { get; init; }

    /// <summary>Dev loss (evaluations and allocation rounds).</summary>
    [Id(6)]
    public double? DevLoss { get; init; }

    /// <summary>Dev metric (evaluations).</summary>
    [Id(7)]
    public double? Metric { get; init; }

    /// <summary>Training throughput of the step.</summary>
    [Id(8)]
    public double? TokensPerSecond { get; init; }

    /// <summary>The round, for allocation-round events.</summary>
    [Id(9)]
    public AllocationRoundSummary? Round { get; init; }

    /// <summary>When the trainer produced the event.</summary>
    [Id(10)]
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>
    /// Position of the event in its attempt's stream (1, 2, ...; the attempt's <c>Started</c> event is 1), given by the
    /// trainer: the experiment applies each event once and in order, and asks again for any it lost. 0: not numbered.
    /// </summary>
    [Id(11)]
    public long Sequence { get; init; }

    /// <summary>
    /// What the trial's history should say besides the numbers: on <see cref="TrialProgressKind.Started"/>, the damaged
    /// checkpoints set aside before resuming (or starting from step 0); on <see cref="TrialProgressKind.CheckpointFailed"/>,
    /// why the checkpoint could not be written. Null otherwise.
    /// </summary>
    [Id(12)]
    public string? Note { get; init; }
}
