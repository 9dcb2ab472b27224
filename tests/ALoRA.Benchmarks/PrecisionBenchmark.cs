using System.Diagnostics;
using ALoRA.Engine.Lora;
using ALoRA.Engine.Model;
using ALoRA.Engine.Runtime;
using ALoRA.Engine.Training;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ALoRA.Benchmarks;

/// <summary>
/// Issue 13, <c>--preset precision</c>: the frozen base in float32 against bfloat16 on the tiny and small presets, in one
/// process: training-step time (forward, loss, backward, AdamW; the two dtypes' steps alternate, so load on the machine
/// hits both alike) and the base model's bytes; plus the GEMM rate of each dtype. The same weights in both (the bfloat16
/// model is the float32 one rounded).
/// </summary>
public static class PrecisionBenchmark
{
    /// <summary>Runs the presets (default: tiny and small) and the GEMM rates; returns the measurements.</summary>
    /// <param name="presets">Preset names to run, or null for all.</param>
    /// <param name="warmup">Untimed steps of each dtype.</param>
    /// <param name="measured">Timed steps of each dtype.</param>
    public static Dictionary<string, object> Run(IReadOnlyCollection<string>? presets = null, int warmup = 1, int measured = 6) => new()
    {
        ["presets"] = Preset.All.Where(p => presets is null || presets.Contains(p.Name)).ToDictionary(p => p.Name, p => (object)RunPreset(p, warmup, measured)),
        ["gemm_gflops_1024"] = new[] { ScalarType.Float32, ScalarType.BFloat16, ScalarType.Float16 }
            .ToDictionary(TorchDTypes.NameOf, t => (object)Round(GemmGflops(t, 1024))),
        ["threads"] = get_num_threads(),
    };

    private static Dictionary<string, object> RunPreset(Preset preset, int warmup, int measured)
    {
        manual_seed(0);
        var lora = new LoraConfig { R = 8, LoraAlpha = 16, LoraDropout = 0 };
        using var fp32 = new LlamaForCausalLM(preset.Config, ScalarType.Float32, lora);
        using var bf16 = new LlamaForCausalLM(preset.Config, ScalarType.BFloat16, lora);
        using (no_grad())
        {
            foreach (var slot in fp32.Adapters)
            {
                slot.Module.LoraB.normal_(0, 0.01);
            }

            var source = fp32.named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);
            foreach (var (name, p) in bf16.named_parameters())
            {
                p.copy_(source[name]);
            }
        }

        using var ids = randint(preset.Config.VocabSize, [preset.Batch, preset.Sequence], dtype: ScalarType.Int64);
        using var inputs = ids.narrow(1, 0, preset.Sequence - 1).contiguous();
        using var targets = ids.narrow(1, 1, preset.Sequence - 1).contiguous().view(-1);
        using var fp32Step = new Stepper(fp32, inputs, targets, preset.Config.VocabSize);
        using var bf16Step = new Stepper(bf16, inputs, targets, preset.Config.VocabSize);
        for (var i = 0; i < warmup; i++)
        {
            fp32Step.Step();
            bf16Step.Step();
        }

        var fp32Times = new List<double>();
        var bf16Times = new List<double>();
        var losses = (Fp32: 0.0, Bf16: 0.0);
        for (var i = 0; i < measured; i++)
        {
            // Alternate which goes first, so neither always runs right after the other's allocations.
            var (first, second, firstTimes, secondTimes) = i % 2 == 0 ? (fp32Step, bf16Step, fp32Times, bf16Times) : (bf16Step, fp32Step, bf16Times, fp32Times);
            firstTimes.Add(first.Step());
            secondTimes.Add(second.Step());
            Console.Error.WriteLine($"precision {preset.Name}: step {i + 1}/{measured}: float32 {fp32Times[^1]:F3} s, bfloat16 {bf16Times[^1]:F3} s");
        }

        losses = (fp32Step.LastLoss, bf16Step.LastLoss);
        var fp32Median = Median(fp32Times);
        var bf16Median = Median(bf16Times);
        return new Dictionary<string, object>
        {
            ["batch"] = preset.Batch,
            ["seq"] = preset.Sequence,
            ["float32_step_median_s"] = Round(fp32Median),
            ["bfloat16_step_median_s"] = Round(bf16Median),
            ["float32_step_all_s"] = fp32Times.Select(Round).ToArray(),
            ["bfloat16_step_all_s"] = bf16Times.Select(Round).ToArray(),
            ["step_ratio_bf16_over_fp32"] = Round(bf16Median / fp32Median),
            ["float32_base_bytes"] = fp32.BaseWeightBytes(),
            ["bfloat16_base_bytes"] = bf16.BaseWeightBytes(),
            ["base_bytes_ratio"] = Round((double)bf16.BaseWeightBytes() / fp32.BaseWeightBytes()),
            ["adapter_bytes_each"] = fp32.TrainableParameters().Sum(p => p.Parameter.numel() * p.Parameter.ElementSize),
            ["last_loss_float32"] = Round(losses.Fp32),
            ["last_loss_bfloat16"] = Round(losses.Bf16),
        };
    }

    private static double GemmGflops(ScalarType dtype, int n)
    {
        using var a = randn(n, n).to(dtype);
        using var b = randn(n, n).to(dtype);
        var times = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var sw = Stopwatch.StartNew();
            using var c = a.matmul(b);
            times.Add(sw.Elapsed.TotalSeconds);
        }

        return 2.0 * n * n * n / Median(times.Skip(1).ToList()) / 1e9;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static double Round(double v) => Math.Round(v, 4);

    /// <summary>One training step of a model, as <see cref="PresetBenchmark"/> times it.</summary>
    private sealed class Stepper : IDisposable
    {
        private readonly LlamaForCausalLM _model;
        private readonly LoraAdamW _optimizer;
        private readonly Tensor _inputs;
        private readonly Tensor _targets;
        private readonly int _vocab;

        public Stepper(LlamaForCausalLM model, Tensor inputs, Tensor targets, int vocab)
        {
            _model = model;
            _model.train();
            _optimizer = new LoraAdamW(model.TrainableParameters());
            (_inputs, _targets, _vocab) = (inputs, targets, vocab);
        }

        public double LastLoss { get; private set; }

        public double Step()
        {
            var sw = Stopwatch.StartNew();
            using (var scope = NewDisposeScope())
            {
                var logits = _model.forward(_inputs);
                var loss = F.cross_entropy(logits.view(-1, _vocab), _targets);
                loss.backward();
                LastLoss = loss.item<float>();
            }

            _optimizer.Step(1e-4);
            _optimizer.ZeroGrad();
            TorchRuntime.ReleaseFinalizableNativeObjects();
            return sw.Elapsed.TotalSeconds;
        }

        public void Dispose() => _optimizer.Dispose();
    }
}
