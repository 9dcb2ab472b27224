using System.Diagnostics;
using ALoRA.Engine.Runtime;
using ALoRA.Engine.Training;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ALoRA.Benchmarks;

/// <summary>Measures one preset: training step (forward, next-token loss, backward, AdamW), no-grad forward, memory.</summary>
public static class PresetBenchmark
{
    /// <summary>Runs the preset and returns its measurements.</summary>
    public static Dictionary<string, object> Run(Preset preset, int warmup, int measured, int memorySteps)
    {
        using var model = preset.CreateTrainingModel();
        using var optimizer = new LoraAdamW(model.TrainableParameters());
        using var ids = randint(preset.Config.VocabSize, [preset.Batch, preset.Sequence], dtype: ScalarType.Int64);
        using var inputs = ids.narrow(1, 0, preset.Sequence - 1).contiguous();
        using var targets = ids.narrow(1, 1, preset.Sequence - 1).contiguous().view(-1);

        // Where the step goes: seconds per phase of every timed step (forward with autograd, loss, backward, AdamW,
        // zero-grad + finalizer release); the phases of the median steps are reported.
        var phases = new double[5];
        var phaseLog = new List<double[]>();
        void Step()
        {
            var sw = Stopwatch.StartNew();
            using (var scope = NewDisposeScope())
            {
                var logits = model.forward(inputs);
                phases[0] = sw.Elapsed.TotalSeconds;
                var loss = F.cross_entropy(logits.view(-1, preset.Config.VocabSize), targets);
                phases[1] = sw.Elapsed.TotalSeconds;
                loss.backward();
                phases[2] = sw.Elapsed.TotalSeconds;
            }

            optimizer.Step(1e-4);
            phases[3] = sw.Elapsed.TotalSeconds;
            optimizer.ZeroGrad();
            TorchRuntime.ReleaseFinalizableNativeObjects(); // as SftTrainer does after every step
            phases[4] = sw.Elapsed.TotalSeconds;
            phaseLog.Add([phases[0], phases[1] - phases[0], phases[2] - phases[1], phases[3] - phases[2], phases[4] - phases[3]]);
        }

        void Forward()
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            _ = model.forward(inputs);
        }

        var stepTimes = Time(Step, warmup, measured);
        var measuredPhases = phaseLog.Skip(warmup).ToList();
        var forwardTimes = Time(Forward, warmup, measured);
        var stepGemms = StepGemms.Time(StepGemms.Of(preset, 8, training: true));
        var forwardGemms = StepGemms.Time(StepGemms.Of(preset, 8, training: false));
        var rssByStep = new Dictionary<int, long>();
        for (var s = 1; s <= memorySteps; s++)
        {
            Step();
            if (s is 10 || s == memorySteps)
            {
                rssByStep[s] = ProcessMemory.ResidentBytes();
            }
        }

        var stepMedian = Median(stepTimes);
        var forwardMedian = Median(forwardTimes);
        var tokens = (double)preset.Batch * (preset.Sequence - 1);
        var flopsPerStep = 2 * preset.ForwardFlops(8) * (preset.Sequence - 1) / preset.Sequence;
        var result = new Dictionary<string, object>
        {
            ["batch"] = preset.Batch,
            ["seq"] = preset.Sequence,
            ["train_step_median_s"] = Round(stepMedian),
            ["train_step_all_s"] = stepTimes.Select(Round).ToArray(),
            ["tokens_per_s"] = Math.Round(tokens / stepMedian),
            ["gflops_per_step"] = Round(flopsPerStep / 1e9),
            ["achieved_gflops"] = Round(flopsPerStep / stepMedian / 1e9),
            ["forward_nograd_median_s"] = Round(forwardMedian),
            ["step_over_forward"] = Round(stepMedian / forwardMedian),
            ["step_phases_median_s"] = new[] { "forward", "loss", "backward", "optimizer", "zero_grad_release" }
                .Select((name, i) => (name, i)).ToDictionary(p => p.name, p => Round(Median(measuredPhases.Select(x => x[p.i]).ToList()))),
            ["gemm_same_shapes_step_s"] = stepGemms.ToDictionary(p => p.Key, p => Round(p.Value)),
            ["gemm_share_of_step"] = Round(stepGemms["total"] / stepMedian),
            ["gemm_same_shapes_forward_s"] = Round(forwardGemms["total"]),
            ["gemm_share_of_forward"] = Round(forwardGemms["total"] / forwardMedian),
            ["peak_rss_mb"] = ProcessMemory.PeakResidentBytes() / (1024 * 1024),
        };

        // Resident memory after each step counted in rssByStep; the growth only when there are two (JSON has no NaN).
        foreach (var (step, bytes) in rssByStep)
        {
            result[$"rss_after_{step}_steps_mb"] = bytes / (1024 * 1024);
        }

        if (rssByStep.Count == 2)
        {
            result["rss_growth_10_to_" + memorySteps] = Round((double)rssByStep[memorySteps] / rssByStep[10] - 1);
        }

        return result;
    }

    /// <summary>GEMM rate of float32 n x n matrices (median of 10 after 3 warm-ups).</summary>
    public static double GemmGflops(int n = 2048)
    {
        using var a = randn(n, n);
        using var b = randn(n, n);
        var times = Time(() =>
        {
            using var c = a.matmul(b);
        }, 3, 10);
        return 2.0 * n * n * n / Median(times) / 1e9;
    }

    private static List<double> Time(Action action, int warmup, int measured)
    {
        for (var i = 0; i < warmup; i++)
        {
            action();
        }

        var times = new List<double>();
        for (var i = 0; i < measured; i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            times.Add(sw.Elapsed.TotalSeconds);
        }

        return times;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static double Round(double v) => Math.Round(v, 4);
}
