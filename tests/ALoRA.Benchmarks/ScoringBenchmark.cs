using System.Diagnostics;
using ALoRA.Engine.Data;
using ALoRA.Engine.Lora;
using ALoRA.Engine.Model;
using ALoRA.Engine.Runtime;
using ALoRA.Engine.Scoring;
using static TorchSharp.torch;

namespace ALoRA.Benchmarks;

/// <summary>
/// One AB-LoRA scoring round on the shipped stories260K model (LoRA r = 8 on all 35 modules, B random) with B_val =
/// the first 32 examples of the shipped SST-2 dev split: fast path against the reference definition, same process.
/// </summary>
public static class ScoringBenchmark
{
    /// <summary>Runs the round both ways; <paramref name="samples"/> is the repository's samples folder.</summary>
    public static Dictionary<string, object> Run(string samples)
    {
        using var pretrained = PretrainedModel.Load(Path.Combine(samples, "models", "stories260K"), new ModelLoadOptions { Lora = new LoraConfig() });
        manual_seed(0);
        using (no_grad())
        {
            foreach (var slot in pretrained.Model.Adapters)
            {
                slot.Module.LoraB.normal_(0, 0.05);
            }
        }

        var examples = JsonlReader.Read(Path.Combine(samples, "data", "sst2", "validation.jsonl"), TaskRegistry.Get("sst2"), 32);
        var rows = new PromptTokenizer(pretrained.Tokenizer).TokenizeAll(examples, 128);
        var batch = BatchCollator.Collate(rows, Enumerable.Range(0, rows.Count).ToArray(), pretrained.Tokenizer.PadId);
        var sw = Stopwatch.StartNew();
        var fast = AbLoraScorer.Fast(pretrained.Model, batch);
        var fastSeconds = sw.Elapsed.TotalSeconds;
        sw.Restart();
        var reference = AbLoraScorer.Reference(pretrained.Model, batch);
        var referenceSeconds = sw.Elapsed.TotalSeconds;
        var maxDiff = fast.Ranks.Zip(reference.Ranks).Max(p => Math.Max(Math.Abs(p.First.CeWithout!.Value - p.Second.CeWithout!.Value), Math.Abs(p.First.CeOnly!.Value - p.Second.CeOnly!.Value)));
        return new Dictionary<string, object>
        {
            ["ranks"] = fast.Ranks.Count,
            ["b_val_rows"] = batch.BatchSize,
            ["b_val_mean_length"] = Math.Round(batch.Lengths.Average(), 1),
            ["fast_s"] = Math.Round(fastSeconds, 2),
            ["reference_s"] = Math.Round(referenceSeconds, 2),
            ["speedup"] = Math.Round(referenceSeconds / fastSeconds, 2),
            ["fast_forward_equivalents"] = Math.Round(fast.ForwardEquivalents),
            ["reference_forward_equivalents"] = Math.Round(reference.ForwardEquivalents),
            ["max_abs_ce_difference"] = maxDiff,
            ["peak_rss_mb"] = ProcessMemory.PeakResidentBytes() / (1024 * 1024),
        };
    }
}
