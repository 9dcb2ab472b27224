namespace ALoRA.Grains.Simulation;

/// <summary>
/// One trial's simulated schedule (<see cref="SimulatedTimeModel.Plan"/>): the steps, when evaluations, allocation
/// rounds and checkpoints fall (the real engine's order within a step: the step, its rounds, its evaluation, its
/// checkpoint), and the simulated seconds of each part.
/// </summary>
public sealed record SimulatedTrialPlan
{
    /// <summary>Optimizer steps of the trial.</summary>
    public required int TotalSteps { get; init; }

    /// <summary>Rows per optimizer step.</summary>
    public required int BatchSize { get; init; }

    /// <summary>Tokens per row (max_sequence_length, capped at the model's position embeddings).</summary>
    public required int SequenceLength { get; init; }

    /// <summary>Simulated seconds of one training step.</summary>
    public required double StepSeconds { get; init; }

    /// <summary>Simulated seconds of one dev evaluation.</summary>
    public required double EvaluationSeconds { get; init; }

    /// <summary>Simulated seconds of one allocation round.</summary>
    public required double RoundSeconds { get; init; }

    /// <summary>Simulated seconds of one checkpoint.</summary>
    public required double CheckpointSeconds { get; init; }

    /// <summary>Simulated seconds of the model load that starts every attempt.</summary>
    public required double LoadSeconds { get; init; }

    /// <summary>Evaluate every this many steps (and at the last step).</summary>
    public required int EvalEverySteps { get; init; }

    /// <summary>Checkpoint every this many steps; null: never.</summary>
    public required int? CheckpointEverySteps { get; init; }

    /// <summary>The step after which each allocation round runs, in order.</summary>
    public required IReadOnlyList<int> RoundSteps { get; init; }

    /// <summary>Parameters of the base model.</summary>
    public required long BaseParameters { get; init; }

    /// <summary>Decoder layers of the model.</summary>
    public required int Layers { get; init; }

    /// <summary>Trainable adapter parameters.</summary>
    public required long AdapterParameters { get; init; }

    /// <summary>Tokens of one optimizer step.</summary>
    public long TokensPerStep => (long)BatchSize * SequenceLength;

    /// <summary>Whether a dev evaluation follows <paramref name="step"/>.</summary>
    public bool EvaluatesAt(int step) => step % EvalEverySteps == 0 || step == TotalSteps;

    /// <summary>Whether a checkpoint follows <paramref name="step"/>.</summary>
    public bool CheckpointsAt(int step) => CheckpointEverySteps is { } every && step % every == 0;

    /// <summary>Allocation rounds that follow <paramref name="step"/>.</summary>
    public int RoundsAt(int step) => RoundSteps.Count(s => s == step);

    /// <summary>Rounds done by the end of <paramref name="step"/>.</summary>
    public int RoundsThrough(int step) => RoundSteps.Count(s => s <= step);

    /// <summary>Simulated seconds of <paramref name="step"/> with what follows it (rounds, evaluation, checkpoint).</summary>
    public double SecondsOf(int step) =>
        StepSeconds + (RoundsAt(step) * RoundSeconds) + (EvaluatesAt(step) ? EvaluationSeconds : 0) + (CheckpointsAt(step) ? CheckpointSeconds : 0);

    /// <summary>Simulated seconds of an attempt that starts after <paramref name="fromStep"/> and runs to the end: the load, then every remaining step.</summary>
    public double AttemptSeconds(int fromStep = 0)
    {
        var seconds = LoadSeconds;
        for (var step = fromStep + 1; step <= TotalSteps; step++)
        {
            seconds += SecondsOf(step);
        }

        return seconds;
    }
}
