using System.CommandLine;
using System.Globalization;
using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Grains;
using ALoRA.Abstractions.Trials;
using ALoRA.Cli.Connection;
using ALoRA.Cli.Output;

namespace ALoRA.Cli.Commands;

/// <summary><c>alora status [SWEEP]</c>: every sweep with its counts, or one sweep's trials with their state.</summary>
internal sealed class StatusCommand : Command
{
    private readonly Argument<string?> _sweep = new("sweep") { Description = "Sweep id (omit for every sweep)", Arity = ArgumentArity.ZeroOrOne };
    private readonly Option<OutputFormat> _format = CliOptions.Format();

    public StatusCommand()
        : base("status", "Show sweeps, or one sweep's trials")
    {
        Arguments.Add(_sweep);
        Options.Add(_format);
        SetAction((parse, ct) => ClusterCommand.RunAsync(parse, ct, async (session, _) =>
        {
            var format = parse.GetValue(_format);
            if (parse.GetValue(_sweep) is { } id)
            {
                var status = await session.Grains.GetGrain<ISweepCoordinatorGrain>(id).GetStatusAsync();
                if (format == OutputFormat.Json)
                {
                    CliJson.Print(status);
                }
                else
                {
                    PrintTrials(status);
                }

                return ExitCodes.Ok;
            }

            var cluster = await session.Grains.GetGrain<ISchedulerGrain>(SchedulerKeys.Default).GetClusterStatusAsync();
            if (cluster.SchedulerError is { } schedulerError)
            {
                Console.Error.WriteLine($"warning: the scheduler's stored state cannot be read, so no sweep is listed from it and nothing is scheduled: {schedulerError}");
            }

            var sweeps = await Task.WhenAll(cluster.Sweeps.Select(s => session.Grains.GetGrain<ISweepCoordinatorGrain>(s).GetStatusAsync()));
            if (format == OutputFormat.Json)
            {
                CliJson.Print(sweeps.Select(s => new
                {
                    s.SweepId, s.Name, s.State, s.Metric, s.SubmittedAt, Trials = s.Trials.Count,
                    Queued = s.Count(TrialState.Queued), Running = s.Count(TrialState.Running), Completed = s.Count(TrialState.Completed),
                    Failed = s.Count(TrialState.Failed), Cancelled = s.Count(TrialState.Cancelled), Unreadable = s.Count(TrialState.Unreadable), s.Error,
                }).ToList());
                return ExitCodes.Ok;
            }

            Console.WriteLine($"{"SWEEP",-24} {"STATE",-10} {"TRIALS",6} {"QUEUED",6} {"RUNNING",7} {"DONE",5} {"FAILED",6}  SUBMITTED");
            foreach (var s in sweeps)
            {
                Console.WriteLine($"{s.SweepId,-24} {s.State.ToString().ToLowerInvariant(),-10} {s.Trials.Count,6} {s.Count(TrialState.Queued),6} " +
                                  $"{s.Count(TrialState.Running),7} {s.Count(TrialState.Completed),5} {s.Count(TrialState.Failed),6}  {s.SubmittedAt:yyyy-MM-dd HH:mm}" +
                                  (s.Error is null ? Unreadable(s) : $"  ({s.Error})"));
            }

            return ExitCodes.Ok;
        }));
    }

    private static string Unreadable(SweepStatus s) => s.Count(TrialState.Unreadable) is var n and > 0 ? $"  ({n} trials unreadable)" : "";

    private static void PrintTrials(SweepStatus status)
    {
        if (status.Error is not null)
        {
            Console.WriteLine($"sweep {status.SweepId} (unreadable): {status.Error}");
            return;
        }

        Console.WriteLine($"sweep {status.SweepId} ({status.State.ToString().ToLowerInvariant()}), metric {status.Metric} ({status.Mode})");
        Console.WriteLine($"{"#",3} {"TRIAL",-30} {"METHOD",-11} {"SEED",4} {"STATE",-9} {"STEP",11} {"LOSS",7} {"DEV LOSS",8} {"ROUNDS",6}  {"METRIC",7}  PARAMETERS");
        foreach (var t in status.Trials)
        {
            var metric = t.Result?.MetricValue(status.Metric);
            Console.WriteLine((
                $"{t.Index,3} {t.TrialId,-30} {t.Method,-11} {t.Seed,4} {t.State.ToString().ToLowerInvariant(),-9} {$"{t.Step}/{t.TotalSteps}",11} " +
                $"{t.Loss,7:F3} {t.DevLoss,8:F3} {t.Rounds,6}  {metric,7:F4}  {string.Join(" ", t.SearchValues.Select(kv => $"{kv.Key}={kv.Value}"))}" +
                (t.Error is null ? "" : $"  ({t.Error})")));
        }
    }
}
