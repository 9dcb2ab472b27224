using System.CommandLine;
using System.Globalization;
using ALoRA.Abstractions.Trials;
using ALoRA.Cli.Connection;
using ALoRA.Cli.Output;
using ALoRA.Cli.Rendering;

namespace ALoRA.Cli.Commands;

/// <summary><c>alora show TRIAL</c>: configuration, status, and the allocation history round by round as terminal heatmaps.</summary>
internal sealed class ShowCommand : Command
{
    private readonly Argument<string> _trial = new("trial") { Description = "Trial id" };
    private readonly Option<OutputFormat> _format = CliOptions.Format();

    /// <summary>Creates the command.</summary>
    public ShowCommand(ClusterCommand runner, CliConsole console)
        : base("show", "Show one trial: configuration and allocation history")
    {
        Arguments.Add(_trial);
        Options.Add(_format);
        SetAction((parse, ct) => runner.RunAsync(parse, ct, async (cluster, _) =>
        {
            var id = parse.GetValue(_trial)!;
            var d = await cluster.GetTrialAsync(id, ct);
            if (d.Spec.SweepId.Length == 0)
            {
                throw new KeyNotFoundException($"no trial '{id}'");
            }

            if (parse.GetValue(_format) == OutputFormat.Json)
            {
                console.Json(d);
                return ExitCodes.Ok;
            }

            var s = d.Spec;
            var inv = CultureInfo.InvariantCulture;
            console.Line($"trial {s.TrialId} (sweep {s.SweepId}, #{s.Index}): {d.Status.State.ToString().ToLowerInvariant()}, attempt {d.Status.Attempt}");
            console.Line($"  model {s.Model}; data {s.Data}; task {s.Task}; method {s.Method}; seed {s.Training.Seed}");
            console.Line(($"  lora r {s.Lora.R}, alpha {s.Lora.LoraAlpha}, dropout {s.Lora.LoraDropout}, modules {string.Join(",", s.Lora.TargetModules)}"));
            console.Line(($"  training lr {s.Training.LearningRate}, batch {s.Training.BatchSize?.ToString(inv) ?? "auto"}, max steps {s.Training.MaxSteps?.ToString(inv) ?? "-"}, epochs {s.Training.MaxEpochs}"));
            if (s.Allocation is { } a)
            {
                console.Line($"  allocation k1 {a.K1}, k2 {a.K2}, rounds {a.Rounds}, n_A {a.RanksPerRound?.ToString(inv) ?? "auto"}, B_val {a.ValBatchSize}");
            }

            foreach (var line in d.Attempts)
            {
                console.Line($"  {line}");
            }

            if (d.Status.Error is { } error)
            {
                console.Line(d.Status.State == TrialState.Stopped ? $"  stopped early: {error}" : $"  last error: {error}");
            }

            var color = console.Color;
            foreach (var round in d.Rounds)
            {
                console.Line(($"round {round.Round} at step {round.Step}: CE {round.BaseCe:F4}, pruned {string.Join(", ", round.Pruned)}; dev loss {round.DevLoss:F4}"));
                console.OutWriter.Write(TerminalHeatmap.Render(round.RanksAfter, color));
            }

            if (d.Status.Result is { } r)
            {
                console.Line((
                    $"result: dev acc {100 * r.DevMetric:F1} %, test acc {100 * r.TestMetric:F1} %, test loss {r.TestLoss:F4}, params {r.InitialTrainableParameters} -> {r.FinalTrainableParameters}, " +
                    $"{r.Steps} steps, {r.WallSeconds:F0} s, {r.TokensPerSecond:F0} tok/s"));
                console.Line("final allocation:");
                console.OutWriter.Write(TerminalHeatmap.Render(r.FinalAllocation, color));
            }

            return ExitCodes.Ok;
        }));
    }
}
