using System.CommandLine;
using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Trials;
using ALoRA.Cli.Cluster;
using ALoRA.Cli.Connection;
using ALoRA.Cli.Output;

namespace ALoRA.Cli.Commands;

/// <summary><c>alora status [SWEEP]</c>: every sweep with its counts, or one sweep's trials with their state.</summary>
internal sealed class StatusCommand : Command
{
    private readonly Argument<string?> _sweep = new("sweep") { Description = "Sweep id (omit for every sweep)", Arity = ArgumentArity.ZeroOrOne };
    private readonly Option<OutputFormat> _format = CliOptions.Format();

    /// <summary>Creates the command.</summary>
    public StatusCommand(ClusterCommand runner, CliConsole console)
        : base("status", "Show sweeps, or one sweep's trials")
    {
        Arguments.Add(_sweep);
        Options.Add(_format);
        SetAction((parse, ct) => runner.RunAsync(parse, ct, async (cluster, _) =>
        {
            var format = parse.GetValue(_format);
            if (parse.GetValue(_sweep) is { } id)
            {
                var status = await cluster.GetSweepAsync(id, ct);
                if (format == OutputFormat.Json)
                {
                    console.Json(status);
                }
                else
                {
                    PrintTrials(console, status);
                }

                return ExitCodes.Ok;
            }

            var info = await cluster.GetClusterAsync(ct);
            if (info.SchedulerError is { } schedulerError)
            {
                console.Message($"warning: the scheduler's stored state cannot be read, so no sweep is listed from it and nothing is scheduled: {schedulerError}");
            }

            var sweeps = await Task.WhenAll(info.Sweeps.Select(s => SweepOrFailureAsync(cluster, s, ct)));
            if (format == OutputFormat.Json)
            {
                console.Json(sweeps.Select(s => new
                {
                    s.SweepId, s.Name, s.State, s.Metric, s.SubmittedAt, Trials = s.Trials.Count,
                    Queued = s.Count(TrialState.Queued), Running = s.Count(TrialState.Running), Completed = s.Count(TrialState.Completed),
                    Failed = s.Count(TrialState.Failed), Cancelled = s.Count(TrialState.Cancelled), Stopped = s.Count(TrialState.Stopped), Unreadable = s.Count(TrialState.Unreadable), s.Error, s.Created,
                }).ToList());
                return ExitCodes.Ok;
            }

            var table = new CliTable(
                new("SWEEP", 24, Wrap: true), new("STATE", 10), new("TRIALS", 6, Right: true), new("QUEUED", 6, Right: true), new("RUNNING", 7, Right: true),
                new("DONE", 5, Right: true), new("STOPPED", 7, Right: true), new("FAILED", 6, Right: true), new("SUBMITTED", Gap: 2));
            foreach (var s in sweeps)
            {
                table.Add(s.SweepId, Lower(s.State), $"{s.Trials.Count}", $"{s.Count(TrialState.Queued)}", $"{s.Count(TrialState.Running)}",
                    $"{s.Count(TrialState.Completed)}", $"{s.Count(TrialState.Stopped)}", $"{s.Count(TrialState.Failed)}",
                    $"{s.SubmittedAt:yyyy-MM-dd HH:mm}" + (s.Error is null ? Unreadable(s) + Creating(s) : $"  ({s.Error})"));
            }

            table.WriteTo(console);
            return ExitCodes.Ok;
        }));
    }

    /// <summary>
    /// One sweep of the list: a sweep whose status cannot be had (its record was deleted, or its coordinator refuses)
    /// is listed as unreadable with the reason, so it cannot fail the listing of every other sweep.
    /// </summary>
    private static async Task<SweepStatus> SweepOrFailureAsync(ISweepCluster cluster, string sweepId, CancellationToken ct)
    {
        try
        {
            return await cluster.GetSweepAsync(sweepId, ct);
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or ArgumentException)
        {
            return new SweepStatus { SweepId = sweepId, State = SweepState.Unreadable, Error = ex.Message };
        }
    }

    private static string Lower<T>(T value)
        where T : struct, Enum => value.ToString().ToLowerInvariant();

    private static string Creating(SweepStatus s) => s.State == SweepState.Creating ? $"  ({s.Created} of {s.Trials.Count} trials created so far)" : "";

    private static string Unreadable(SweepStatus s) => s.Count(TrialState.Unreadable) is var n and > 0 ? $"  ({n} trials unreadable)" : "";

    private static void PrintTrials(CliConsole console, SweepStatus status)
    {
        if (status.Error is not null)
        {
            console.Line($"sweep {status.SweepId} (unreadable): {status.Error}");
            return;
        }

        console.Line($"sweep {status.SweepId} ({Lower(status.State)}), metric {status.Metric} ({status.Mode})");
        var table = new CliTable(
            new("#", 3, Right: true), new("TRIAL", 30, Wrap: true), new("METHOD", 11), new("SEED", 4, Right: true), new("STATE", 9), new("STEP", 11, Right: true),
            new("LOSS", 7, Right: true), new("DEV LOSS", 8, Right: true), new("ROUNDS", 6, Right: true), new("METRIC", 7, Right: true, Gap: 2),
            new("PARAMETERS", Gap: 2));
        foreach (var t in status.Trials)
        {
            var metric = t.Result?.MetricValue(status.Metric);
            table.Add($"{t.Index}", t.TrialId, t.Method, $"{t.Seed}", Lower(t.State), $"{t.Step}/{t.TotalSteps}", $"{t.Loss:F3}", $"{t.DevLoss:F3}",
                $"{t.Rounds}", $"{metric:F4}", string.Join(" ", t.SearchValues.Select(kv => $"{kv.Key}={kv.Value}")) + (t.Error is null ? "" : $"  ({t.Error})"));
        }

        table.WriteTo(console);
    }
}
