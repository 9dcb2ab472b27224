using System.Diagnostics;
using ALoRA.Engine.Allocation;
using ALoRA.Engine.Scoring;
using ALoRA.Engine.Training;

namespace ALoRA.Benchmarks;

/// <summary>
/// <c>--preset scorer-agreement</c> (issue 13): ALoRA trained with the exact <c>fast</c> scorer on SST-2 (stories260K,
/// 3 seeds, and the <c>tiny</c> preset's random-weight model of the same shape; LoRA r = 8 on all 7 module types,
/// 280 ranks, n_A = 7, N_A = 8); at every round <c>approx</c> and <c>hybrid</c> also score the same B_val on the same
/// network. Per run and over all rounds: Spearman of approx vs exact importance, the share of rounds in which hybrid
/// (and approx alone) prune exactly the exact pruning's ranks, forwards and seconds per round for each scorer.
/// </summary>
public static class ScorerAgreementBenchmark
{
    private const int RanksPerRound = 7;
    private const int ShortlistFactor = 3;

    /// <summary>Runs every run and returns the measurements; each run's summary also goes to stderr as it ends.</summary>
    /// <param name="validationRows">|B_val| (the paper's 32 by default).</param>
    public static Dictionary<string, object> Run(int validationRows = 32)
    {
        var runs = new List<(string Name, List<RoundMeasure> Rounds)>();
        foreach (var (model, seed) in new[] { ("stories260K", 1L), ("stories260K", 2L), ("stories260K", 3L), ("tiny", 1L) })
        {
            var rounds = RunOne(model, seed, validationRows);
            runs.Add(($"{model}/seed{seed}", rounds));
            Console.Error.WriteLine($"{model}/seed{seed}: {System.Text.Json.JsonSerializer.Serialize(Summary(rounds))}");
        }

        var all = runs.SelectMany(r => r.Rounds).ToList();
        var result = new Dictionary<string, object>
        {
            ["setup"] = $"SST-2, batch 16, 25 steps per epoch, k1 = 10 steps, k2 = 5 steps, N_A = 8, n_A = {RanksPerRound}, B_val {validationRows} dev examples, 280 ranks; hybrid shortlist_factor {ShortlistFactor}",
            ["rounds"] = all.Count,
            ["all"] = Summary(all),
        };
        foreach (var (name, rounds) in runs)
        {
            result[name] = Summary(rounds);
        }

        return result;
    }

    private static List<RoundMeasure> RunOne(string modelName, long seed, int validationRows)
    {
        var options = new TrainingOptions { BatchSize = 16, MaxSteps = 50, LearningRate = 5e-3, EvalEverySteps = 1000, MaxSequenceLength = 128, Seed = seed };
        using var model = ScorerRuns.Model(modelName, seed);
        var data = ScorerRuns.Sst2(options, train: 400, dev: 200, test: 32);
        var allocation = new AllocationOptions
        {
            Method = AllocationMethod.Alora, Scorer = AbLoraScorerKind.Fast, WarmupBeforeFirstRound = ScheduleLength.Steps(10),
            BetweenRounds = ScheduleLength.Steps(5), Rounds = 8, RanksPerRound = RanksPerRound, ValidationBatchSize = validationRows,
        };
        using var trainer = new SftTrainer(model, data, options, allocation: allocation);
        var method = (AbLoraMethod)trainer.Method;
        var measures = new List<RoundMeasure>();
        var hookSeconds = new List<double>();
        method.Scored = (batch, exact) =>
        {
            var hook = Stopwatch.StartNew();
            var gates = model.Adapters.Select(a => (IReadOnlyList<bool>)a.Module.Gates).ToList();
            var sw = Stopwatch.StartNew();
            var approx = ApproxScorer.Score(model, batch);
            var approxSeconds = sw.Elapsed.TotalSeconds;
            sw.Restart();
            var hybrid = HybridScorer.Score(model, batch, RanksPerRound, ShortlistFactor);
            var hybridSeconds = sw.Elapsed.TotalSeconds;
            var byExact = RankAllocator.Decide(gates, exact.Ranks, RanksPerRound).Pruned.ToHashSet();
            var byApprox = RankAllocator.Decide(gates, approx.Ranks, RanksPerRound).Pruned.ToHashSet();
            var byHybrid = RankAllocator.Decide(gates, hybrid.Ranks, RanksPerRound, hybrid.Shortlist).Pruned.ToHashSet();
            measures.Add(new RoundMeasure(
                RankCorrelation.Spearman(exact.Ranks.Select(r => r.Importance).ToList(), approx.Ranks.Select(r => r.Importance).ToList()),
                byExact.SetEquals(byHybrid), byExact.SetEquals(byApprox), byExact.All(p => hybrid.Shortlist!.Contains((p.ModuleIndex, p.Rank))),
                exact.ForwardEquivalents, approx.ForwardEquivalents, hybrid.ForwardEquivalents, 0, approxSeconds, hybridSeconds));
            hookSeconds.Add(hook.Elapsed.TotalSeconds);
            Console.Error.WriteLine($"  {modelName}/seed{seed} round {measures.Count}: spearman {measures[^1].Spearman:F3}, hybrid same {measures[^1].HybridSame}");
        };

        trainer.RunUntil(options.MaxSteps!.Value);

        // The exact scorer's seconds: the round's scoring time less the time the comparison took inside it.
        var history = trainer.State.AllocationHistory;
        for (var i = 0; i < measures.Count; i++)
        {
            measures[i] = measures[i] with { ExactSeconds = history[i].ScoringSeconds - hookSeconds[i] };
        }

        return measures;
    }

    private static Dictionary<string, object> Summary(List<RoundMeasure> rounds) => new()
    {
        ["rounds"] = rounds.Count,
        ["spearman_approx_vs_exact_mean"] = Math.Round(rounds.Average(r => r.Spearman), 3),
        ["spearman_approx_vs_exact_min"] = Math.Round(rounds.Min(r => r.Spearman), 3),
        ["spearman_per_round"] = rounds.Select(r => Math.Round(r.Spearman, 3)).ToArray(),
        ["hybrid_same_pruned_share"] = Math.Round(rounds.Average(r => r.HybridSame ? 1.0 : 0.0), 3),
        ["approx_same_pruned_share"] = Math.Round(rounds.Average(r => r.ApproxSame ? 1.0 : 0.0), 3),
        ["shortlist_holds_exact_pruned_share"] = Math.Round(rounds.Average(r => r.ShortlistHoldsExact ? 1.0 : 0.0), 3),
        ["forwards_per_round"] = new Dictionary<string, double>
        {
            ["fast"] = Math.Round(rounds.Average(r => r.ExactForwards), 1),
            ["approx"] = Math.Round(rounds.Average(r => r.ApproxForwards), 1),
            ["hybrid"] = Math.Round(rounds.Average(r => r.HybridForwards), 1),
        },
        ["seconds_per_round"] = new Dictionary<string, double>
        {
            ["fast"] = Math.Round(rounds.Average(r => r.ExactSeconds), 3),
            ["approx"] = Math.Round(rounds.Average(r => r.ApproxSeconds), 3),
            ["hybrid"] = Math.Round(rounds.Average(r => r.HybridSeconds), 3),
        },
    };

    private sealed record RoundMeasure(double Spearman, bool HybridSame, bool ApproxSame, bool ShortlistHoldsExact, double ExactForwards, double ApproxForwards,
                                       double HybridForwards, double ExactSeconds, double ApproxSeconds, double HybridSeconds);
}
