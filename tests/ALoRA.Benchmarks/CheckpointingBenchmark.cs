using System.Diagnostics;
using System.Text.Json.Nodes;
using ALoRA.Engine.Data;
using ALoRA.Engine.Model;
using ALoRA.Engine.Runtime;
using ALoRA.Engine.Training;
using static TorchSharp.torch;

namespace ALoRA.Benchmarks;

/// <summary>
/// Activation checkpointing (<c>training.gradient_checkpointing</c>) measured: the training step's time and peak
/// resident memory with it off and on, on the <c>tiny</c> preset's model at sequence 512 (its batch), through the
/// trainer's own pass (<see cref="GradientPass"/>, every position a target). Checkpointing runs first: the peak of each
/// part is the process's high-water mark reset before it (Linux <c>/proc/self/clear_refs</c>), over the memory resident
/// when it started.
/// </summary>
public static class CheckpointingBenchmark
{
    /// <summary>Sequence length of the measurement.</summary>
    public const int Sequence = 512;

    /// <summary>Runs both parts; returns their step times, peaks and ratios.</summary>
    /// <param name="warmup">Unmeasured steps of each part.</param>
    /// <param name="measured">Measured steps of each part (the median is reported).</param>
    public static JsonObject Run(int warmup = 1, int measured = 3)
    {
        var preset = Preset.All.Single(p => p.Name == "tiny");
        using var model = preset.CreateTrainingModel();
        using var optimizer = new LoraAdamW(model.TrainableParameters());
        var batch = RandomBatch(preset.Config.VocabSize, preset.Batch, Sequence);
        var on = Part(model, optimizer, batch, checkpointing: true, warmup, measured);
        var off = Part(model, optimizer, batch, checkpointing: false, warmup, measured);
        return new JsonObject
        {
            ["model"] = "tiny",
            ["batch"] = preset.Batch,
            ["seq"] = Sequence,
            ["peak_reset"] = HighWaterMark.CanReset,
            ["off"] = off.Json(),
            ["on"] = on.Json(),
            ["step_time_ratio_on_over_off"] = Math.Round(on.StepSeconds / off.StepSeconds, 3),
            ["peak_growth_ratio_on_over_off"] = Math.Round(on.PeakGrowthBytes / (double)off.PeakGrowthBytes, 3),
        };
    }

    private static Measurement Part(LlamaForCausalLM model, LoraAdamW optimizer, Batch batch, bool checkpointing, int warmup, int measured)
    {
        void Step()
        {
            GradientPass.Run(model, batch, CPU, batch.BatchSize, checkpointing);
            optimizer.Step(1e-4);
            optimizer.ZeroGrad();
            TorchRuntime.ReleaseFinalizableNativeObjects(); // as SftTrainer does after every step
        }

        TorchRuntime.ReleaseFinalizableNativeObjects();
        HighWaterMark.Reset();
        var before = ProcessMemory.ResidentBytes();
        for (var i = 0; i < warmup; i++)
        {
            Step();
        }

        var times = new List<double>();
        for (var i = 0; i < measured; i++)
        {
            var sw = Stopwatch.StartNew();
            Step();
            times.Add(sw.Elapsed.TotalSeconds);
        }

        var peak = ProcessMemory.PeakResidentBytes();
        times.Sort();
        return new Measurement(times[times.Count / 2], [.. times], before, peak);
    }

    /// <summary>Random token rows of the full length, every position but the last a target.</summary>
    private static Batch RandomBatch(int vocab, int rows, int sequence)
    {
        var random = new Random(1);
        var examples = Enumerable.Range(0, rows)
            .Select(_ => new TokenizedExample(Enumerable.Range(0, sequence).Select(_ => random.Next(vocab)).ToArray(), 1))
            .ToArray();
        return BatchCollator.Collate(examples, Enumerable.Range(0, rows).ToArray(), padId: 0);
    }

    private sealed record Measurement(double StepSeconds, double[] AllSeconds, long ResidentBeforeBytes, long PeakBytes)
    {
        public long PeakGrowthBytes => PeakBytes - ResidentBeforeBytes;

        public JsonObject Json() => new()
        {
            ["train_step_median_s"] = Math.Round(StepSeconds, 4),
            ["train_step_all_s"] = new JsonArray([.. AllSeconds.Select(s => JsonValue.Create(Math.Round(s, 4)))]),
            ["rss_before_mb"] = ResidentBeforeBytes >> 20,
            ["peak_rss_mb"] = PeakBytes >> 20,
            ["peak_growth_mb"] = PeakGrowthBytes >> 20,
        };
    }

    /// <summary>The process's peak resident memory (VmHWM), reset to the current one by writing 5 to <c>/proc/self/clear_refs</c>.</summary>
    private static class HighWaterMark
    {
        private const string ClearRefs = "/proc/self/clear_refs";

        public static bool CanReset => File.Exists(ClearRefs);

        public static void Reset()
        {
            try
            {
                File.WriteAllText(ClearRefs, "5");
            }
            catch (IOException)
            {
                // Not Linux, or not allowed: the peaks are then the process's so far (checkpointing runs first).
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
