namespace ALoRA.Engine.Training;

/// <summary>Where a training run stands; saved in every checkpoint (JSON, <c>trainer_state.json</c>).</summary>
public sealed record TrainerState
{
    /// <summary>Optimizer steps done.</summary>
    public int Step { get; set; }

    /// <summary>Current 0-based epoch.</summary>
    public int Epoch { get; set; }

    /// <summary>Batches of the current epoch's plan already consumed (the data position).</summary>
    public int BatchInEpoch { get; set; }

    /// <summary>Lowest dev loss seen (infinity before the first evaluation).</summary>
    public double BestDevLoss { get; set; } = double.PositiveInfinity;

    /// <summary>Step of the best dev loss (-1 before the first evaluation).</summary>
    public int BestStep { get; set; } = -1;

    /// <summary>Dev metric at the best step.</summary>
    public double? BestDevMetric { get; set; }

    /// <summary>Evaluations since the last improvement.</summary>
    public int EvaluationsWithoutImprovement { get; set; }

    /// <summary>True once patience ran out.</summary>
    public bool EarlyStopped { get; set; }

    /// <summary>Step of the last dev evaluation (-1 if none).</summary>
    public int LastEvaluatedStep { get; set; } = -1;

    /// <summary>Training loss of every step so far, in order.</summary>
    public List<double> StepLosses { get; init; } = [];

    /// <summary>Every dev evaluation so far.</summary>
    public List<TrainingEvent> Evaluations { get; init; } = [];

    /// <summary>Every ALoRA round so far.</summary>
    public List<AllocationRound> AllocationHistory { get; init; } = [];

    /// <summary>Seconds spent training so far (summed over resumed sessions).</summary>
    public double TrainSeconds { get; set; }

    /// <summary>Non-padding tokens processed so far.</summary>
    public long TokensProcessed { get; set; }
}
