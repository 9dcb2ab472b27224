using System.CommandLine;
using System.Globalization;
using ALoRA.Cli.Connection;
using ALoRA.Cli.Output;
using ALoRA.Engine.Model;
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

    public PlanCommand()
        : base("plan", "Dry run: expand a sweep spec and show what it would run (no cluster needed)")
    {
        Arguments.Add(_spec);
        Options.Add(_format);
        SetAction(parse => ClusterCommand.Guard(() =>
        {
            var spec = SubmitCommand.ReadLocal(parse.GetValue(_spec)!);
            var plan = SweepExpander.Expand(spec);
            var layers = LlamaConfig.Load(Path.Combine(spec.ResolvePath(spec.Model), "config.json")).NumHiddenLayers;
            var rows = plan.Trials.Select(t =>
            {
                var budget = t.Lora.R * t.Lora.TargetModules.Count * layers;
                var scoring = t.Allocation is null ? (double?)null : 2 + (budget * (layers + 1.0) / layers);
                return new PlannedTrial(t.Index, t.TrialId, t.Method, t.Training.Seed, budget, t.Allocation?.Rounds ?? 0,
                    t.Allocation is null ? null : 1 + (2 * budget), scoring, t.SearchValues, t);
            }).ToList();
            if (parse.GetValue(_format) == OutputFormat.Json)
            {
                CliJson.Print(new { plan.SweepId, plan.Name, plan.Metric, Mode = plan.Mode.ToString().ToLowerInvariant(), plan.MaxConcurrentTrials, plan.Duplicates, Layers = layers, Trials = rows });
                return Task.FromResult(ExitCodes.Ok);
            }

            Console.WriteLine($"sweep {plan.SweepId}: {plan.Trials.Count} trials ({plan.Duplicates} duplicates collapsed), at most {plan.MaxConcurrentTrials} at once; " +
                              $"metric {plan.Metric} ({plan.Mode.ToString().ToLowerInvariant()}); model has {layers} layers");
            Console.WriteLine($"{"#",3} {"TRIAL",-30} {"METHOD",-11} {"SEED",4} {"BUDGET",6} {"ROUNDS",6} {"FWD/ROUND REF",13} {"FWD/ROUND FAST",14}  PARAMETERS");
            foreach (var r in rows)
            {
                Console.WriteLine((
                    $"{r.Index,3} {r.TrialId,-30} {r.Method,-11} {r.Seed,4} {r.BudgetRanks,6} {r.Rounds,6} {r.ReferenceForwardsPerRound,13} {r.FastForwardsPerRound,14:F0}  " +
                    string.Join(" ", r.SearchValues.Select(kv => $"{kv.Key}={kv.Value}"))));
            }

            return Task.FromResult(ExitCodes.Ok);
        }));
    }

    /// <summary>One planned trial.</summary>
    private sealed record PlannedTrial(
        int Index, string TrialId, string Method, long Seed, int BudgetRanks, int Rounds, int? ReferenceForwardsPerRound, double? FastForwardsPerRound,
        IReadOnlyDictionary<string, string> SearchValues, ALoRA.Abstractions.Sweeps.TrialSpec Resolved);
}
