using System.Diagnostics;
using ALoRA.Engine.Allocation;
using ALoRA.Engine.Data;
using ALoRA.Engine.Lora;
using ALoRA.Engine.Model;
using ALoRA.Engine.Runtime;
using ALoRA.Engine.Scoring;
using static TorchSharp.torch;

namespace ALoRA.Benchmarks;

/// <summary>
/// One AB-LoRA scoring round on a random-weight preset model (LoRA r = 8 on all 7 module types, B random, a few gates
/// already 0), B_val = <c>rows x length</c> random tokens scored on every position: fast path against the reference
/// definition, same process, same ranks. Optionally only some layers' ranks are scored (the network is unchanged),
/// so that the reference on a compute-bound preset fits in minutes; pick layers whose mean depth equals the whole
/// model's, because the fast path's prefix reuse saves more on upper layers.
/// </summary>
public static class PresetScoringBenchmark
{
    /// <summary>Scores the round both ways and returns the measurements.</summary>
    public static Dictionary<string, object> Run(Preset preset, int rows, int length, IReadOnlySet<int>? layers)
    {
        manual_seed(0);
        using var model = new LlamaForCausalLM(preset.Config, ScalarType.Float32, new LoraConfig { R = 8, LoraAlpha = 16, LoraDropout = 0 });
        using (no_grad())
        {
            foreach (var slot in model.Adapters)
            {
                slot.Module.LoraB.normal_(0, 0.05);
            }
        }

        // Some ranks already pruned, as in a round after the first.
        for (var m = 0; m < model.Adapters.Count; m += 5)
        {
            model.Adapters[m].Module.SetGate(m % 8, false);
        }

        var rng = new Random(1);
        var sequences = Enumerable.Range(0, rows)
            .Select(_ => new TokenizedExample(Enumerable.Range(0, length).Select(_ => rng.Next(preset.Config.VocabSize)).ToArray(), 1))
            .ToList();
        var batch = BatchCollator.Collate(sequences, Enumerable.Range(0, rows).ToArray(), padId: 0);
        Func<AdapterSlot, bool>? include = layers is null ? null : slot => layers.Contains(slot.Layer);

        var sw = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var fast = AbLoraScorer.Fast(model, batch, include: include);
        var fastSeconds = sw.Elapsed.TotalSeconds;
        var fastCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        sw.Restart();
        cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var reference = AbLoraScorer.Reference(model, batch, include);
        var referenceSeconds = sw.Elapsed.TotalSeconds;
        var referenceCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        var approxAndHybrid = ApproxAndHybrid(model, batch, include, fast, fastSeconds);
        var maxDiff = fast.Ranks.Zip(reference.Ranks).Max(p => Math.Max(Math.Abs(p.First.CeWithout!.Value - p.Second.CeWithout!.Value), Math.Abs(p.First.CeOnly!.Value - p.Second.CeOnly!.Value)));
        var allRanks = model.Adapters.Sum(a => a.Module.ActiveRank);
        return new Dictionary<string, object>
        {
            ["b_val"] = $"{rows} x {length} tokens",
            ["layers_scored"] = layers is null ? "all" : string.Join(",", layers.Order()),
            ["ranks_scored"] = fast.Ranks.Count,
            ["ranks_in_model"] = allRanks,
            ["fast_s"] = Math.Round(fastSeconds, 2),
            ["reference_s"] = Math.Round(referenceSeconds, 2),
            ["speedup"] = Math.Round(referenceSeconds / fastSeconds, 2),
            // CPU seconds of this process: the same ratio, less disturbed when other processes share the cores.
            ["fast_cpu_s"] = Math.Round(fastCpu, 2),
            ["reference_cpu_s"] = Math.Round(referenceCpu, 2),
            ["cpu_speedup"] = Math.Round(referenceCpu / fastCpu, 2),
            ["fast_forward_equivalents"] = Math.Round(fast.ForwardEquivalents, 1),
            ["reference_forward_equivalents"] = Math.Round(reference.ForwardEquivalents, 1),
            ["work_ratio"] = Math.Round(reference.ForwardEquivalents / fast.ForwardEquivalents, 2),
            ["batching_gain"] = Math.Round(referenceSeconds / fastSeconds / (reference.ForwardEquivalents / fast.ForwardEquivalents), 2),
            ["reference_s_per_forward"] = Math.Round(referenceSeconds / reference.ForwardEquivalents, 4),
            ["max_abs_ce_difference"] = maxDiff,
            ["peak_rss_mb"] = ProcessMemory.PeakResidentBytes() / (1024 * 1024),
            ["approx_and_hybrid"] = approxAndHybrid,
        };
    }

    /// <summary>
    /// Issue 13: the <c>approx</c> and (when every layer is scored) <c>hybrid</c> scorers on the same round: forwards,
    /// seconds, and agreement with the exact scores (Spearman of importance; the same n_A = 7 pruned ranks).
    /// </summary>
    private static Dictionary<string, object> ApproxAndHybrid(LlamaForCausalLM model, Batch batch, Func<AdapterSlot, bool>? include, ScoreSet exact, double exactSeconds)
    {
        const int nA = 7;
        var gates = model.Adapters.Select(a => (IReadOnlyList<bool>)a.Module.Gates).ToList();
        var sw = Stopwatch.StartNew();
        var approx = ApproxScorer.Score(model, batch, include);
        var approxSeconds = sw.Elapsed.TotalSeconds;
        var exactPruned = exact.Ranks.OrderBy(r => r.Importance).ThenBy(r => r.ModuleIndex).ThenBy(r => r.Rank).Take(nA).Select(r => (r.ModuleIndex, r.Rank)).ToHashSet();
        var approxPruned = approx.Ranks.OrderBy(r => r.Importance).ThenBy(r => r.ModuleIndex).ThenBy(r => r.Rank).Take(nA).Select(r => (r.ModuleIndex, r.Rank)).ToHashSet();
        var result = new Dictionary<string, object>
        {
            ["n_a"] = nA,
            ["approx_s"] = Math.Round(approxSeconds, 3),
            ["approx_forward_equivalents"] = approx.ForwardEquivalents,
            ["approx_speedup_over_fast"] = Math.Round(exactSeconds / approxSeconds, 2),
            ["approx_spearman_vs_exact"] = Math.Round(RankCorrelation.Spearman(exact.Ranks.Select(r => r.Importance).ToList(), approx.Ranks.Select(r => r.Importance).ToList()), 3),
            ["approx_same_pruned"] = exactPruned.SetEquals(approxPruned),
        };
        if (include is null)
        {
            sw.Restart();
            var hybrid = HybridScorer.Score(model, batch, nA, shortlistFactor: 3);
            var hybridSeconds = sw.Elapsed.TotalSeconds;
            var hybridPruned = RankAllocator.Decide(gates, hybrid.Ranks, nA, hybrid.Shortlist).Pruned.Select(p => (p.ModuleIndex, p.Rank)).ToHashSet();
            result["hybrid_s"] = Math.Round(hybridSeconds, 3);
            result["hybrid_forward_equivalents"] = Math.Round(hybrid.ForwardEquivalents, 1);
            result["hybrid_speedup_over_fast"] = Math.Round(exactSeconds / hybridSeconds, 2);
            result["hybrid_spearman_vs_exact"] = Math.Round(RankCorrelation.Spearman(exact.Ranks.Select(r => r.Importance).ToList(), hybrid.Ranks.Select(r => r.Importance).ToList()), 3);
            result["hybrid_same_pruned"] = exactPruned.SetEquals(hybridPruned);
        }

        return result;
    }
}
