namespace ALoRA.Engine.Training;

/// <summary>What a <see cref="TrainingEvent"/> reports.</summary>
public enum TrainingEventKind
{
    /// <summary>An optimizer step finished (loss, lr, tokens/s).</summary>
    Step,

    /// <summary>A dev evaluation finished (dev loss, metric).</summary>
    Evaluation,

    /// <summary>An epoch ended.</summary>
    EpochEnd,

    /// <summary>A resumable checkpoint was written.</summary>
    Checkpoint,

    /// <summary>The test evaluation of the best checkpoint finished (test loss, metric).</summary>
    Test,

    /// <summary>An ALoRA allocation round finished (<see cref="TrainingEvent.Allocation"/>).</summary>
    AllocationRound,

    /// <summary>
    /// A scheduled checkpoint could not be written (<see cref="TrainingEvent.Message"/>: why, e.g. no space left on the
    /// device); nothing of it was left, training goes on and the next scheduled checkpoint tries again.
    /// </summary>
    CheckpointFailed,
}

/// <summary>A progress event of a training run.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Step">Optimizer steps done so far.</param>
/// <param name="Epoch">0-based epoch.</param>
/// <param name="TotalSteps">Steps the schedule plans.</param>
/// <param name="Loss">Training loss of the step (mean CE over its response tokens).</param>
/// <param name="LearningRate">Learning rate used by the step.</param>
/// <param name="TokensPerSecond">Tokens (non-padding) processed per second by the step.</param>
/// <param name="DevLoss">Dev loss (evaluation) or test loss (test).</param>
/// <param name="Metric">Accuracy for classification tasks, else null.</param>
/// <param name="Allocation">The round's report, for allocation-round events.</param>
/// <param name="Message">What went wrong, for <see cref="TrainingEventKind.CheckpointFailed"/>.</param>
/// <param name="MemoryBytes">
/// For steps: the memory the run occupies on its device after the step (<see cref="Runtime.DeviceMemoryUsage"/>: resident
/// bytes on CPU, the GPU's used bytes on CUDA), or null when it cannot be read.
/// </param>
public sealed record TrainingEvent(
    TrainingEventKind Kind,
    int Step,
    int Epoch,
    int TotalSteps,
    double? Loss = null,
    double? LearningRate = null,
    double? TokensPerSecond = null,
    double? DevLoss = null,
    double? Metric = null,
    AllocationRound? Allocation = null,
    string? Message = null,
    long? MemoryBytes = null);
