using System.Text.Json;
using ALoRA.Engine.Lora;
using ALoRA.Engine.Model;
using ALoRA.Engine.Peft;
using ALoRA.Engine.SafeTensors;
using static TorchSharp.torch;

namespace ALoRA.Engine.Tests.Peft;

public sealed class PeftAdapterExporterTests : IDisposable
{
    private const string Q0 = "model.layers.0.self_attn.q_proj";
    private const string K1 = "model.layers.1.self_attn.k_proj";
    private const string V2 = "model.layers.2.self_attn.v_proj";
    private const string Up3 = "model.layers.3.mlp.up_proj";
    private const string Down4 = "model.layers.4.mlp.down_proj";

    private readonly PeftTestFiles _files = new();

    public PeftAdapterExporterTests() => Samples.EnsureTorch();

    public void Dispose() => _files.Dispose();

    /// <summary>Final ranks after <see cref="LoadEditedModel"/>: grown, partly gated, one module pruned to 0.</summary>
    private static readonly Dictionary<string, int> EditedRanks = new()
    {
        [Q0] = 9, // 8 + 3 grown - 2 gated off
        [K1] = 6,
        [Up3] = 10, // 8 + 2 grown
        [Down4] = 1,
    };

    /// <summary>stories260K with LoRA r = 8 on all 7 modules (alpha 16), random B, grown, gated and pruned modules.</summary>
    private static LlamaForCausalLM LoadEditedModel(ScalarType dtype = ScalarType.Float32)
    {
        var model = HfModelLoader.Load(RepositoryPaths.Stories260K, new ModelLoadOptions { Lora = new LoraConfig(), DType = dtype });
        using var generator = new Generator().manual_seed(11);
        var slots = model.Adapters.ToDictionary(s => s.Path, s => s.Module);
        slots[Q0].Grow(3, generator);
        slots[Up3].Grow(2, generator);
        using (no_grad())
        {
            foreach (var module in slots.Values)
            {
                using var b = randn(module.OutFeatures, module.Rank, generator: generator) * 0.05;
                module.LoraB.copy_(b);
            }
        }

        slots[Q0].SetGate(1, false);
        slots[Q0].SetGate(9, false);
        slots[K1].SetGate(0, false);
        slots[K1].SetGate(3, false);
        slots[Down4].SetGates(Enumerable.Range(0, 8).Select(i => i == 5).ToArray());
        slots[V2].SetGates(new bool[8]);
        return model;
    }

    private static Dictionary<string, int> ExpectedRanks(LlamaForCausalLM model) =>
        model.Adapters.Where(s => s.Path != V2).ToDictionary(s => s.Path, s => EditedRanks.GetValueOrDefault(s.Path, 8));

    [Fact]
    public void Export_GrownGatedAndPrunedModules_ConfigFieldsDescribeFinalRanks()
    {
        using var model = LoadEditedModel();
        var dir = _files.Dir("edited");

        PeftAdapterExporter.Export(model, dir, "karpathy/tinyllamas-stories260K");

        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "adapter_config.json")));
        var root = doc.RootElement;
        var expected = ExpectedRanks(model);
        Assert.Equal("LORA", root.GetProperty("peft_type").GetString());
        Assert.Equal("CAUSAL_LM", root.GetProperty("task_type").GetString());
        Assert.Equal(8, root.GetProperty("r").GetInt32());
        Assert.Equal(16.0, root.GetProperty("lora_alpha").GetDouble());
        Assert.Equal(["down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj"],
                     root.GetProperty("target_modules").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal([V2], root.GetProperty("exclude_modules").EnumerateArray().Select(e => e.GetString()));
        var rankPattern = root.GetProperty("rank_pattern").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        Assert.Equal(expected.OrderBy(p => p.Key), rankPattern.OrderBy(p => p.Key));
        var alphaPattern = root.GetProperty("alpha_pattern").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
        Assert.Equal(expected.Select(p => KeyValuePair.Create(p.Key, 2.0 * p.Value)).OrderBy(p => p.Key), alphaPattern.OrderBy(p => p.Key));
        foreach (var (field, value) in new[] { ("use_rslora", false), ("use_dora", false), ("fan_in_fan_out", false), ("inference_mode", true), ("init_lora_weights", true) })
        {
            Assert.True(root.GetProperty(field).GetBoolean() == value, $"{field} must be {value}");
        }

        Assert.Equal("none", root.GetProperty("bias").GetString());
        Assert.Equal(0.0, root.GetProperty("lora_dropout").GetDouble());
        Assert.Equal("karpathy/tinyllamas-stories260K", root.GetProperty("base_model_name_or_path").GetString());
        foreach (var field in new[] { "modules_to_save", "layers_to_transform", "revision" })
        {
            Assert.Equal(JsonValueKind.Null, root.GetProperty(field).ValueKind);
        }
    }

    [Fact]
    public void Export_GrownGatedAndPrunedModules_WritesCompactedTensorsAndLeavesModelUnchanged()
    {
        using var model = LoadEditedModel();
        var q0 = model.Adapters.Single(s => s.Path == Q0).Module;
        using var q0ABefore = q0.LoraA.detach().clone();
        var dir = _files.Dir("edited");

        PeftAdapterExporter.Export(model, dir);

        using var file = SafeTensorsFile.Open(Path.Combine(dir, "adapter_model.safetensors"));
        var expected = ExpectedRanks(model);
        var expectedNames = expected.Keys.SelectMany(p => new[] { $"base_model.model.{p}.lora_A.weight", $"base_model.model.{p}.lora_B.weight" });
        Assert.Equal(expectedNames.Order(StringComparer.Ordinal), file.Tensors.Keys.Order(StringComparer.Ordinal));
        foreach (var slot in model.Adapters.Where(s => s.Path != V2))
        {
            var r = expected[slot.Path];
            Assert.Equal([r, slot.Module.InFeatures], file.Tensors[$"base_model.model.{slot.Path}.lora_A.weight"].Shape);
            Assert.Equal([slot.Module.OutFeatures, r], file.Tensors[$"base_model.model.{slot.Path}.lora_B.weight"].Shape);
        }

        // The kept ranks of q_proj 0 are 0, 2..8 and 10 (gates 1 and 9 were off), in order.
        using var storedA = file.Read($"base_model.model.{Q0}.lora_A.weight");
        using var keep = tensor(new long[] { 0, 2, 3, 4, 5, 6, 7, 8, 10 });
        using var keptA = q0.LoraA.detach().index_select(0, keep);
        Assert.True(TensorAssert.Same(keptA, storedA));
        Assert.Equal(11, q0.Rank);
        Assert.Equal(9, q0.ActiveRank);
        Assert.True(TensorAssert.Same(q0ABefore, q0.LoraA.detach()));
        Assert.Equal(8, model.Adapters.Single(s => s.Path == V2).Module.Rank);
    }

    [Fact]
    public void ExportThenLoad_GrownGatedAndPrunedModules_IdenticalLogits()
    {
        // A float64 base, so that the comparison sees only the adapter round trip. The adapters themselves are float32
        // whatever the base (docs/engine-notes.md, "Precision"), and the compacted matrices have fewer columns, so BLAS
        // sums them in another order: about 2e-6 on logits of ~10, far below the adapter's own effect (1e-3, below).
        var options = new ModelLoadOptions { DType = ScalarType.Float64 };
        using var model = LoadEditedModel(ScalarType.Float64);
        var dir = _files.Dir("edited");
        PeftAdapterExporter.Export(model, dir);

        using var imported = PeftAdapterImporter.Load(RepositoryPaths.Stories260K, dir, options);
        using var plain = HfModelLoader.Load(RepositoryPaths.Stories260K, options);

        var expected = ExpectedRanks(model);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), imported.Adapters.Select(s => s.Path).Order(StringComparer.Ordinal));
        Assert.All(imported.Adapters, s =>
        {
            Assert.Equal(expected[s.Path], s.Module.Rank);
            Assert.Equal(2.0, s.Module.Scale);
            Assert.All(s.Module.Gates, Assert.True);
        });
        model.eval();
        imported.eval();
        plain.eval();
        using var noGrad = no_grad();
        foreach (var ids in new[] { new long[] { 1, 403, 261, 292, 77, 15 }, [1, 2, 3, 4, 5, 6], [1, 500, 37, 411, 18, 299] })
        {
            using var input = tensor(ids).unsqueeze(0);
            using var before = model.forward(input);
            using var after = imported.forward(input);
            using var baseLogits = plain.forward(input);
            Assert.True(allclose(before, after, rtol: 1e-5, atol: 1e-5), $"logits differ by {(before - after).abs().max().to(ScalarType.Float64).item<double>()}");
            Assert.False(allclose(before, baseLogits, rtol: 1e-3, atol: 1e-3), "the adapter must change the logits");
        }
    }

    [Fact]
    public void Export_EveryModulePruned_ThrowsInvalidOperation()
    {
        using var model = HfModelLoader.Load(RepositoryPaths.Stories260K, new ModelLoadOptions { Lora = new LoraConfig { R = 2, TargetModules = ["q_proj"] } });
        foreach (var slot in model.Adapters)
        {
            slot.Module.SetGates([false, false]);
        }

        var ex = Assert.Throws<InvalidOperationException>(() => PeftAdapterExporter.Export(model, _files.Dir("empty")));
        Assert.Contains("rank 0", ex.Message);
    }

    [Fact]
    public void Export_OnlySomeLayersAdapted_ExcludesUnadaptedModulesOfExportedTypes()
    {
        using var model = HfModelLoader.Load(RepositoryPaths.Stories260K, new ModelLoadOptions
        {
            Lora = new LoraConfig { TargetModulesRegex = @"model\.layers\.[01]\.self_attn\.q_proj" },
        });
        var dir = _files.Dir("partial");

        PeftAdapterExporter.Export(model, dir);

        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "adapter_config.json")));
        Assert.Equal(["q_proj"], doc.RootElement.GetProperty("target_modules").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(Enumerable.Range(2, 3).Select(i => $"model.layers.{i}.self_attn.q_proj"),
                     doc.RootElement.GetProperty("exclude_modules").EnumerateArray().Select(e => e.GetString()));
        using var imported = PeftAdapterImporter.Load(RepositoryPaths.Stories260K, dir);
        Assert.Equal(["model.layers.0.self_attn.q_proj", "model.layers.1.self_attn.q_proj"], imported.Adapters.Select(s => s.Path));
    }
}
