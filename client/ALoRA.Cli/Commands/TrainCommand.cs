using System.CommandLine;
using System.Globalization;
using ALoRA.Abstractions.Trials;
using ALoRA.Cli.Connection;
using ALoRA.Cli.Output;
using ALoRA.Grains.Training;
using ALoRA.Sweeps;

namespace ALoRA.Cli.Commands;

/// <summary>
/// <c>alora train TRIAL.yaml</c>: runs one trial in this process, no cluster, with the same engine path the trainers
/// use (for debugging a configuration). The spec is a sweep spec that expands to one trial, or <c>--index</c> picks one.
/// Checkpoints go to <c>--out</c>; running it again resumes; Ctrl+C writes a checkpoint first.
/// </summary>
internal sealed class TrainCommand : Command
{
    private readonly Argument<FileInfo> _spec = new("trial") { Description = "Sweep spec (YAML) that expands to one trial, or use --index" };
    private readonly Option<int?> _index = new("--index") { Description = "Which trial of the expanded spec to run (0-based)" };
    private readonly Option<DirectoryInfo?> _out = new("--out") { Description = "Workspace for checkpoints and the adapter (default runs/train/<trial id>)" };
    private readonly Option<int> _threads = new("--threads") { Description = "Torch threads (0 = all cores)", DefaultValueFactory = _ => 0 };
    private readonly Option<OutputFormat> _format = CliOptions.Format();

    public TrainCommand()
        : base("train", "Run one trial in this process (no cluster)")
    {
        Arguments.Add(_spec);
        Options.Add(_index);
        Options.Add(_out);
        Options.Add(_threads);
        Options.Add(_format);
        SetAction((parse, ct) => ClusterCommand.Guard(() => Task.FromResult(Run(parse, ct))));
    }

    private int Run(ParseResult parse, CancellationToken ct)
    {
        var spec = SubmitCommand.ReadLocal(parse.GetValue(_spec)!);
        var plan = SweepExpander.Expand(spec);
        var index = parse.GetValue(_index);
        if (index is null && plan.Trials.Count != 1)
        {
            throw new ArgumentException($"the spec expands to {plan.Trials.Count} trials; pick one with --index 0..{plan.Trials.Count - 1}");
        }

        if (index is { } i && (i < 0 || i >= plan.Trials.Count))
        {
            throw new ArgumentException($"--index must be between 0 and {plan.Trials.Count - 1}, got {i}");
        }

        var trial = plan.Trials[index ?? 0];
        var workspace = new TrialWorkspace(parse.GetValue(_out)?.FullName ?? Path.GetFullPath(Path.Combine("runs", "train", trial.TrialId)));
        var format = parse.GetValue(_format);
        var log = format == OutputFormat.Json ? Console.Error : Console.Out;
        log.WriteLine($"trial {trial.TrialId} ({trial.Method}, seed {trial.Training.Seed}) in {workspace.Directory}");
        var engine = new AloraTrainingEngine(new AloraTrainingEngineOptions { Threads = parse.GetValue(_threads) is > 0 and var t ? t : Environment.ProcessorCount });
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
            return ClusterCommand.Fail(ExitCodes.TrainingFailed, ex.Message);
        }

        if (format == OutputFormat.Json)
        {
            CliJson.Print(result);
        }
        else
        {
            Console.WriteLine((
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
                log.WriteLine(p.Step == 0 ? $"training {p.TotalSteps} steps" : $"resumed from the checkpoint at step {p.Step} of {p.TotalSteps}");
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
