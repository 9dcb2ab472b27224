using System.Text.Json;
using ALoRA.Engine.Lora;
using ALoRA.Engine.Model;
using ALoRA.Engine.Peft;
using ALoRA.Engine.Runtime;
using ALoRA.Engine.SafeTensors;
using ALoRA.Engine.Tests.Training;
using ALoRA.Engine.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace ALoRA.Engine.Tests.Precision;

/// <summary>
/// The frozen base in bfloat16/float16 against float32 on stories260K (docs/engine-notes.md, "Precision"): the base is
/// stored in the dtype asked (half the bytes), the adapters, gradients and optimizer moments stay float32, and logits and
/// a short training run stay within the tolerances measured there.
/// </summary>
public sealed class BaseDTypeTests(ITestOutputHelper output) : IDisposable
{
    // Measured on this sample (docs/engine-notes.md, "Precision"), with about 2x headroom.
    private const double LogitToleranceBf16 = 0.5;
    private const double LogitToleranceFp16 = 0.1;
    private const double LossTolerance = 0.05;

    private readonly string _dir = Directory.CreateTempSubdirectory("alora-dtype-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static LlamaForCausalLM Load(ScalarType dtype, LoraConfig? lora = null)
    {
        Samples.EnsureTorch();
        return HfModelLoader.Load(RepositoryPaths.Stories260K, new ModelLoadOptions { DType = dtype, Lora = lora ?? new LoraConfig { InitSeed = 7 } });
    }

    /// <summary>
    /// Elements of every tensor stored in the sample's safetensors file, from its header (independent of the model); a
    /// stored lm_head.weight is left out when config.json ties it to the embedding.
    /// </summary>
    private static long StoredElements()
    {
        var tied = LlamaConfig.Load(Path.Combine(RepositoryPaths.Stories260K, "config.json")).TieWordEmbeddings;
        using var file = SafeTensorsFile.Open(Path.Combine(RepositoryPaths.Stories260K, "model.safetensors"));
        return file.Tensors.Values
            .Where(t => !t.Name.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal) && !(tied && t.Name == "lm_head.weight"))
            .Sum(t => t.Shape.Aggregate(1L, (a, b) => a * b));
    }

    [Fact]
    public void Load_BFloat16_BaseStoredInIt_HalfTheBytes_AdaptersFloat32()
    {
        using var fp32 = Load(ScalarType.Float32);
        using var bf16 = Load(ScalarType.BFloat16);
        var elements = StoredElements();
        Assert.Equal(elements * 4, fp32.BaseWeightBytes());
        Assert.Equal(elements * 2, bf16.BaseWeightBytes());
        Assert.Equal(ScalarType.BFloat16, bf16.DType);
        foreach (var (name, p) in bf16.named_parameters())
        {
            var expected = name.Contains(".lora_", StringComparison.Ordinal) ? ScalarType.Float32 : ScalarType.BFloat16;
            Assert.True(p.dtype == expected, $"{name} is {p.dtype}, expected {expected}");
        }

        Assert.All(bf16.Adapters, a => Assert.Equal(ScalarType.Float32, a.Module.GateTensor.dtype));
    }

    [Theory]
    [InlineData(ScalarType.BFloat16, LogitToleranceBf16)]
    [InlineData(ScalarType.Float16, LogitToleranceFp16)]
    public void Forward_ReferenceSequences_LogitsFloat32_WithinTolerance(ScalarType dtype, double tolerance)
    {
        using var fp32 = Load(ScalarType.Float32);
        using var low = Load(dtype);
        fp32.eval();
        low.eval();
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Stories260K, "reference_outputs.json")));
        foreach (var c in doc.RootElement.GetProperty("logits").EnumerateArray())
        {
            var ids = c.GetProperty("ids").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var expected = fp32.forward(tensor(ids).unsqueeze(0));
            var actual = low.forward(tensor(ids).unsqueeze(0));
            Assert.Equal(ScalarType.Float32, actual.dtype);
            var diff = (actual - expected).abs().max().item<float>();
            var agree = actual.argmax(-1).eq(expected.argmax(-1)).to(ScalarType.Float32).mean().item<float>();
            output.WriteLine($"{dtype}: {ids.Length} tokens, max |logit diff| {diff:F4}, logit range {expected.min().item<float>():F2}..{expected.max().item<float>():F2}, argmax agreement {agree:P0}");
            Assert.True(diff < tolerance, $"{dtype}: max |logit diff| {diff} >= {tolerance}");
        }
    }

    [Fact]
    public void Train_BFloat16Base_LossesClose_OptimizerStateFloat32_ExportFloat32AndLoadsIntoFloat32()
    {
        var options = new TrainingOptions { BatchSize = 16, MaxSteps = 8, LearningRate = 5e-3, EvalEverySteps = 4, MaxSequenceLength = 64, Seed = 11 };
        double[] Run(ScalarType dtype, string? export)
        {
            using var model = Load(dtype);
            using var trainer = new SftTrainer(model, TrainingFixture.Data(options), options);
            trainer.RunUntil(options.MaxSteps!.Value);
            Assert.All(model.TrainableParameters(), p => Assert.Equal(ScalarType.Float32, p.Parameter.dtype));
            Assert.All(model.TrainableParameters(), p => Assert.Equal(ScalarType.Float32, p.Parameter.grad?.dtype ?? ScalarType.Float32));
            var (moments, _) = trainer.Optimizer.StateDict();
            Assert.NotEmpty(moments);
            Assert.All(moments, m => Assert.Equal(ScalarType.Float32, m.Value.dtype));
            if (export is not null)
            {
                PeftAdapterExporter.Export(model, export, RepositoryPaths.Stories260K);
            }

            return [.. trainer.State.StepLosses];
        }

        var export = Path.Combine(_dir, "adapter");
        var fp32 = Run(ScalarType.Float32, null);
        var bf16 = Run(ScalarType.BFloat16, export);
        var worst = fp32.Zip(bf16, (a, b) => Math.Abs(a - b)).Max();
        output.WriteLine($"losses fp32 {string.Join(", ", fp32.Select(l => l.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)))}");
        output.WriteLine($"losses bf16 {string.Join(", ", bf16.Select(l => l.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)))}");
        output.WriteLine($"max |loss diff| {worst:F4}");
        Assert.True(worst < LossTolerance, $"max |loss diff| over {fp32.Length} steps = {worst}");
        Assert.True(bf16[^1] < bf16[0], "the bf16 run did not learn");

        using (var file = SafeTensorsFile.Open(Path.Combine(export, PeftAdapterExporter.WeightsFileName)))
        {
            Assert.All(file.Tensors.Values, t => Assert.Equal("F32", t.DType));
        }

        using var imported = PeftAdapterImporter.Load(RepositoryPaths.Stories260K, export);
        Assert.Equal(ScalarType.Float32, imported.DType);
        Assert.All(imported.TrainableParameters(), p => Assert.Equal(ScalarType.Float32, p.Parameter.dtype));
    }

    [Fact]
    public void DTypes_ProbedOnThisCpu_DefaultsAndBadNames()
    {
        Samples.EnsureTorch();

        // The CPU libtorch shipped with TorchSharp 0.107 computes all three (docs/engine-notes.md, "Precision").
        Assert.Equal(TorchDTypes.Names, TorchDTypes.Computable("cpu"));
        Assert.Equal(ScalarType.Float32, TorchDTypes.Resolve(null, "cpu"));
        Assert.Equal(ScalarType.BFloat16, TorchDTypes.Resolve("bfloat16", "cpu"));
        var ex = Assert.Throws<ArgumentException>(() => TorchDTypes.Resolve("fp8", "cpu"));
        Assert.Contains("model.dtype", ex.Message, StringComparison.Ordinal);
    }
}
