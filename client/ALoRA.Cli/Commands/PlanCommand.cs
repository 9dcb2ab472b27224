using System.CommandLine;
using System.Text.Json;
using ALoRA.Cli.Connection;
using ALoRA.Cli.Output;
using ALoRA.Sweeps;

namespace ALoRA.Cli.Commands;

/// <summary>
/// <c>alora plan SPEC.yaml</c>: a dry run without a cluster: the trials and their resolved configurations, the rank
/// budget of each (r x adapted modules, from the model's config.json), and the scoring cost of one allocation round
/// in forward passes of B_val: the reference definition needs 1 + 2R; the fast path about 2 + 2 * sum over ranks of
/// (layers at and above the rank's layer) / layers, i.e. 2 + R(L + 1)/L for a uniform allocation.
/// </summary>
internal sealed class PlanCommand : Command
{
    private readonly Argument<FileInfo> _spec = new("spec") { Description = "Sweep spec (YAML)" };
    private readonly Option<OutputFormat> _format = CliOptions.Format();

    /// <summary>Creates the command.</summary>
    public PlanCommand(ClusterCommand runner, CliConsole console)
        : base("plan", "Dry run: expand a sweep spec and show what it would run (no cluster needed)")
    {
        Arguments.Add(_spec);
        Options.Add(_format);
        SetAction(parse => runner.Guard(() =>
        {
            var spec = SubmitCommand.ReadLocal(parse.GetValue(_spec)!);
            var plan = SweepExpander.Expand(spec);
            var layers = Layers(Path.Combine(spec.ResolvePath(spec.Model), "config.json"));
            var rows = plan.Trials.Select(t =>
            {
                var budget = t.Lora.R * t.Lora.TargetModules.Count * layers;
                var scoring = t.Allocation is null ? (double?)null : 2 + (budget * (layers + 1.0) / layers);
                return new PlannedTrial(t.Index, t.TrialId, t.Method, t.Training.Seed, budget, t.Allocation?.Rounds ?? 0,
                    t.Allocation is null ? null : 1 + (2 * budget), scoring, t.SearchValues, t);
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
            return Task.FromResult(ExitCodes.Ok);
        }));
    }

    /// <summary>
    /// The model's layer count, <c>num_hidden_layers</c> of its config.json, read here without the engine (the silo's
    /// trainers check the rest of the file when they load the model).
    /// </summary>
    private static int Layers(string configPath)
    {
        if (!File.Exists(configPath))
        {
            throw new FileNotFoundException($"{configPath}: file not found (a Hugging Face model folder needs config.json)");
        }

        try
        {
            using var config = JsonDocument.Parse(File.ReadAllText(configPath));
            return config.RootElement.TryGetProperty("num_hidden_layers", out var layers) && layers.TryGetInt32(out var n) && n > 0
                ? n
                : throw new InvalidDataException($"{configPath}: field \"num_hidden_layers\" must be a positive integer");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{configPath}: not valid JSON ({ex.Message})", ex);
        }
    }

    /// <summary>One planned trial.</summary>
    private sealed record PlannedTrial(
        int Index, string TrialId, string Method, long Seed, int BudgetRanks, int Rounds, int? ReferenceForwardsPerRound, double? FastForwardsPerRound,
        IReadOnlyDictionary<string, string> SearchValues, ALoRA.Abstractions.Sweeps.TrialSpec Resolved);
}
