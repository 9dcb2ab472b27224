using System.CommandLine;
using System.Globalization;
using ALoRA.Cli.Connection;
using ALoRA.Cli.Output;
using ALoRA.Sweeps;
using ALoRA.Sweeps.Planning;

namespace ALoRA.Cli.Commands;

/// <summary>
/// <c>alora plan SPEC.yaml</c>: a dry run without a cluster: the trials and their resolved configurations, the rank
/// budget of each (r x adapted modules, from the model's config.json), the scoring cost of one allocation round in
/// forward passes of B_val (<see cref="ScoringCost"/>: the reference definition 1 + 2R, the fast path
/// 2 + R(L + 1)/L, and the trial's own scorer), and the device memory each trial needs (<see cref="PlanEstimate"/>:
/// weights, adapter with its gradients and moments, activations with and without checkpointing, scoring passes),
/// printed once per distinct configuration. Pure arithmetic on config.json and the settings: no engine is loaded.
/// </summary>
internal sealed class PlanCommand : Command
{
    private readonly Argument<FileInfo> _spec = new("spec") { Description = "Sweep spec (YAML)" };
    private readonly Option<OutputFormat> _format = CliOptions.Format();

    /// <summary>Creates the command.</summary>
    public PlanCommand(ClusterCommand runner, CliConsole console)
        : base("plan", "Dry run: expand a sweep spec and show what it would run and the memory it needs (no cluster needed)")
    {
        Arguments.Add(_spec);
        Options.Add(_format);
        SetAction(parse => runner.Guard(() =>
        {
            var spec = SubmitCommand.ReadLocal(parse.GetValue(_spec)!);
            var plan = SweepExpander.Expand(spec);
            var shape = ModelShape.Load(Path.Combine(spec.ResolvePath(spec.Model), "config.json"));
            var layers = shape.NumHiddenLayers;
            var examples = new Dictionary<string, int>(StringComparer.Ordinal);
            var rows = plan.Trials.Select(t =>
            {
                if (!examples.TryGetValue(t.Data, out var count))
                {
                    examples[t.Data] = count = CountExamples(Path.Combine(t.Data, "train.jsonl"));
                }

                var budget = t.Lora.R * t.Lora.TargetModules.Count * layers;
                var scored = t.Allocation is not null;
                return new PlannedTrial(t.Index, t.TrialId, t.Method, t.Training.Seed, budget, t.Allocation?.Rounds ?? 0,
                    scored ? (int)ScoringCost.ReferenceForwards(budget) : null, scored ? ScoringCost.FastForwards(budget, layers) : null,
                    PlanEstimate.For(shape, t, count), t.SearchValues, t);
            }).ToList();
            if (parse.GetValue(_format) == OutputFormat.Json)
            {
                console.Json(new { plan.SweepId, plan.Name, plan.Metric, Mode = plan.Mode.ToString().ToLowerInvariant(), plan.MaxConcurrentTrials, plan.Duplicates, Layers = layers, Trials = rows });
                return Task.FromResult(ExitCodes.Ok);
            }

            console.Line($"sweep {plan.SweepId}: {plan.Trials.Count} trials ({plan.Duplicates} duplicates collapsed), at most {plan.MaxConcurrentTrials} at once; " +
                         $"metric {plan.Metric} ({plan.Mode.ToString().ToLowerInvariant()}); model has {layers} layers");
            var table = new CliTable(
                new("#", 3, Right: true), new("TRIAL", 30, Wrap: true), new("METHOD", 11), new("SEED", 4, Right: true), new("BUDGET", 6, Right: true),
                new("ROUNDS", 6, Right: true), new("FWD/ROUND REF", 13, Right: true), new("FWD/ROUND FAST", 14, Right: true), new("PARAMETERS", Gap: 2));
            foreach (var r in rows)
            {
                table.Add($"{r.Index}", r.TrialId, r.Method, $"{r.Seed}", $"{r.BudgetRanks}", $"{r.Rounds}", $"{r.ReferenceForwardsPerRound}",
                    $"{r.FastForwardsPerRound:F0}", string.Join(" ", r.SearchValues.Select(kv => $"{kv.Key}={kv.Value}")));
            }

            table.WriteTo(console);
            WriteMemory(console, rows);
            return Task.FromResult(ExitCodes.Ok);
        }));
    }

    /// <summary>The memory table: one line per distinct estimate, naming the trials (#) that share it.</summary>
    private static void WriteMemory(CliConsole console, List<PlannedTrial> rows)
    {
        console.Line("");
        console.Line("device memory per trial (GiB; rows of TOKENS = max_sequence_length capped at max_position_embeddings; " +
                     "ACT = activations of one micro-batch, CKPT = with activation checkpointing; SCORING = one allocation round's passes):");
        var table = new CliTable(
            new("TRIALS", 12, Wrap: true), new("BATCH", 5, Right: true), new("TOKENS", 6, Right: true), new("WEIGHTS", 8, Right: true),
            new("ADAPTER+OPT", 11, Right: true), new("ACT", 8, Right: true), new("ACT CKPT", 8, Right: true), new("SCORING", 8, Right: true),
            new("TOTAL", 8, Right: true), new("SCORER", 9), new("FWD/ROUND", 9, Right: true, Gap: 2));
        foreach (var group in rows.GroupBy(r => r.Memory.GroupKey(), StringComparer.Ordinal))
        {
            var e = group.First().Memory;
            table.Add(Ranges(group.Select(r => r.Index)), $"{e.BatchSize}", $"{e.SequenceLength}", Gib(e.WeightBytes), Gib(e.AdapterBytes),
                Gib(e.ActivationBytes), Gib(e.CheckpointedActivationBytes), e.ScoringBytes == 0 ? "-" : Gib(e.ScoringBytes), Gib(e.TotalBytes),
                e.Scorer ?? "-", e.ForwardsPerRound is { } f ? f.ToString("F0", CultureInfo.InvariantCulture) : "-");
        }

        table.WriteTo(console);
    }

    private static string Gib(long bytes) => (bytes / (double)(1L << 30)).ToString("F3", CultureInfo.InvariantCulture);

    /// <summary>Trial indexes as ranges: <c>0-2,5</c>.</summary>
    private static string Ranges(IEnumerable<int> indexes)
    {
        var parts = new List<string>();
        foreach (var run in indexes.Order().Aggregate(new List<List<int>>(), (runs, i) =>
                 {
                     if (runs.Count > 0 && runs[^1][^1] == i - 1)
                     {
                         runs[^1].Add(i);
                     }
                     else
                     {
                         runs.Add([i]);
                     }

                     return runs;
                 }))
        {
            parts.Add(run.Count == 1 ? $"{run[0]}" : $"{run[0]}-{run[^1]}");
        }

        return string.Join(",", parts);
    }

    /// <summary>Non-empty lines of a JSON-lines file, up to 10,000 (the engine's batch-size rule only asks whether there are that many); 0 when unreadable.</summary>
    private static int CountExamples(string path)
    {
        try
        {
            return File.ReadLines(path).Where(l => !string.IsNullOrWhiteSpace(l)).Take(10_000).Count();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>One planned trial.</summary>
    private sealed record PlannedTrial(
        int Index, string TrialId, string Method, long Seed, int BudgetRanks, int Rounds, int? ReferenceForwardsPerRound, double? FastForwardsPerRound,
        PlanEstimate Memory, IReadOnlyDictionary<string, string> SearchValues, ALoRA.Abstractions.Sweeps.TrialSpec Resolved);
}
