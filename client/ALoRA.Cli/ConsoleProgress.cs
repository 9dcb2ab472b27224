using ALoRA.Engine.Training;

namespace ALoRA.Cli;

/// <summary>Prints training events as one line each (steps every 20, every evaluation).</summary>
public sealed class ConsoleProgress : IProgress<TrainingEvent>
{
    private readonly int _stepEvery;

    /// <summary>Prints a step line every <paramref name="stepEvery"/> steps.</summary>
    public ConsoleProgress(int stepEvery = 20) => _stepEvery = stepEvery;

    /// <inheritdoc />
    public void Report(TrainingEvent e)
    {
        switch (e.Kind)
        {
            case TrainingEventKind.Step when e.Step % _stepEvery == 0 || e.Step == 1:
                Console.WriteLine($"step    {e.Step,5}/{e.TotalSteps} epoch {e.Epoch} loss {e.Loss:F4} lr {e.LearningRate:E2} {e.TokensPerSecond,8:F0} tok/s");
                break;
            case TrainingEventKind.Evaluation:
                Console.WriteLine($"eval    {e.Step,5}/{e.TotalSteps} dev loss {e.DevLoss:F4}" + (e.Metric is { } m ? $" dev accuracy {100 * m:F1} %" : ""));
                break;
            case TrainingEventKind.AllocationRound when e.Allocation is { } a:
                Console.WriteLine($"round   {a.Round} at step {a.Step}: scored {a.Scores.Count} ranks in {a.ScoringSeconds:F1} s, pruned {a.Pruned.Count}, " +
                                  $"added {a.Added.Values.Sum()} to {a.Added.Count} modules, dev loss {a.DevLoss:F4}");
                break;
            case TrainingEventKind.Test:
                Console.WriteLine($"test    best checkpoint: test loss {e.DevLoss:F4}" + (e.Metric is { } t ? $" test accuracy {100 * t:F1} %" : ""));
                break;
        }
    }
}
