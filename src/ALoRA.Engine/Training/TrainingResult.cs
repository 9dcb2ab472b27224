namespace ALoRA.Engine.Training;

/// <summary>The outcome of a finished training run (docs/alora-method.md section 7, the parts plain LoRA training knows).</summary>
/// <param name="Steps">Optimizer steps done.</param>
/// <param name="TotalSteps">Steps the schedule planned.</param>
/// <param name="EarlyStopped">Patience ran out before the planned end.</param>
/// <param name="BestStep">Step of the checkpoint used for testing.</param>
/// <param name="BestDevLoss">Its dev loss.</param>
/// <param name="DevMetric">Its dev accuracy (classification), else null.</param>
/// <param name="TestLoss">Test loss of the best checkpoint.</param>
/// <param name="TestMetric">Test accuracy of the best checkpoint (classification), else null.</param>
/// <param name="InitialTrainableParameters">Adapter parameters over active ranks at the start.</param>
/// <param name="FinalTrainableParameters">Adapter parameters over active ranks at the end.</param>
/// <param name="TrainSeconds">Time in training steps.</param>
/// <param name="WallSeconds">Time of the whole run, evaluation included.</param>
/// <param name="TokensPerSecond">Training tokens (non-padding) per second of training time.</param>
/// <param name="PeakMemoryBytes">
/// Peak memory of the run on its device: on CPU the process's peak resident set; on CUDA the highest used bytes of the GPU
/// seen after a step (docs/engine-notes.md, "Device memory").
/// </param>
/// <param name="Method">Allocation method of the trial.</param>
/// <param name="AllocationRounds">ALoRA rounds that ran.</param>
/// <param name="FinalAllocation">Active ranks per module path of the tested (best) adapter.</param>
public sealed record TrainingResult(
    int Steps,
    int TotalSteps,
    bool EarlyStopped,
    int BestStep,
    double BestDevLoss,
    double? DevMetric,
    double TestLoss,
    double? TestMetric,
    long InitialTrainableParameters,
    long FinalTrainableParameters,
    double TrainSeconds,
    double WallSeconds,
    double TokensPerSecond,
    long PeakMemoryBytes,
    AllocationMethod Method,
    int AllocationRounds,
    IReadOnlyDictionary<string, int> FinalAllocation);
