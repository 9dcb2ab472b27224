using ALoRA.Abstractions.Trials;
using ALoRA.Cli.Commands;
using ALoRA.Cli.Output;
using ALoRA.Grains.Training;
using ALoRA.Sweeps;

namespace ALoRA.Cli.Local;

/// <summary>
/// <c>alora train</c>: one trial in this process, no cluster, with the same engine path the trainers use. Checkpoints go
/// to the workspace; running it again resumes; cancelling writes a checkpoint first.
/// </summary>
internal static class LocalTraining
{
    /// <summary>Runs the trial <paramref name="request"/> names; returns the exit code.</summary>
    public static int Run(TrainRequest request, CliConsole console, CancellationToken ct)
    {
        var spec = SubmitCommand.ReadLocal(request.Spec);
        var plan = SweepExpander.Expand(spec);
        var index = request.Index;
        if (index is null && plan.Trials.Count != 1)
        {
            throw new ArgumentException($"the spec expands to {plan.Trials.Count} trials; pick one with --index 0..{plan.Trials.Count - 1}");
        }

        if (index is { } i && (i < 0 || i >= plan.Trials.Count))
        {
            throw new ArgumentException($"--index must be between 0 and {plan.Trials.Count - 1}, got {i}");
        }

        var trial = plan.Trials[index ?? 0];
        if (request.DType is { } dtype)
        {
            trial = trial with { DType = dtype }; // the trial id stays the spec's: --dtype changes how this run computes, not what it trains
        }

        var workspace = new TrialWorkspace(request.Out?.FullName ?? Path.GetFullPath(Path.Combine("runs", "train", trial.TrialId)));
        var format = request.Format;
        var log = console.Log(format);
        log.WriteLine($"trial {trial.TrialId} ({trial.Method}, seed {trial.Training.Seed}, {trial.DType ?? "float32"} base) in {workspace.Directory}");
        var engine = new AloraTrainingEngine(new AloraTrainingEngineOptions { Threads = request.Threads is > 0 and var t ? t : Environment.ProcessorCount });
        TrialResult result;
        try
        {
            result = engine.Run(new TrialAssignment { Spec = trial, Attempt = 1 }, workspace, "cpu", p => Print(log, p), ct);
        }
        catch (OperationCanceledException)
        {
            log.WriteLine($"cancelled; a checkpoint was written to {workspace.CheckpointDirectory}; run the same command again to resume");
            return ExitCodes.Cancelled;
        }
        catch (InvalidOperationException ex)
        {
            console.Message($"error: {ex.Message}");
            return ExitCodes.TrainingFailed;
        }

        if (format == OutputFormat.Json)
        {
            console.Json(result);
        }
        else
        {
            console.Line((
                $"result: dev acc {100 * result.DevMetric:F1} %, test acc {100 * result.TestMetric:F1} %, test loss {result.TestLoss:F4}, " +
                $"params {result.InitialTrainableParameters} -> {result.FinalTrainableParameters}, {result.AllocationRounds} allocation rounds, " +
                $"{result.WallSeconds:F1} s, {result.TokensPerSecond:F0} tok/s; adapter in {result.AdapterDirectory}"));
        }

        return ExitCodes.Ok;
    }

    private static void Print(TextWriter log, TrialProgress p)
    {
        switch (p.Kind)
        {
            case TrialProgressKind.Started:
                if (p.Note is not null)
                {
                    log.WriteLine($"warning: {p.Note}");
                }

                log.WriteLine(p.Step == 0 ? $"training {p.TotalSteps} steps" : $"resumed from the checkpoint at step {p.Step} of {p.TotalSteps}");
                break;
            case TrialProgressKind.CheckpointFailed:
                log.WriteLine($"warning: the checkpoint at step {p.Step} could not be written ({p.Note}); training goes on");
                break;
            case TrialProgressKind.Step when p.Step % 20 == 0 || p.Step == 1:
                log.WriteLine(($"step  {p.Step,5}/{p.TotalSteps} loss {p.Loss:F4} {p.TokensPerSecond,8:F0} tok/s"));
                break;
            case TrialProgressKind.Evaluation:
                log.WriteLine(($"eval  {p.Step,5}/{p.TotalSteps} dev loss {p.DevLoss:F4}" + (p.Metric is { } m ? $" dev accuracy {100 * m:F1} %" : "")));
                break;
            case TrialProgressKind.AllocationRound when p.Round is { } r:
                log.WriteLine(($"round {r.Round} at step {r.Step}: scored {r.Scores.Count} ranks in {r.ScoringSeconds:F1} s, pruned {r.Pruned.Count}, added {r.Added.Values.Sum()}, dev loss {r.DevLoss:F4}"));
                break;
        }
    }
}
