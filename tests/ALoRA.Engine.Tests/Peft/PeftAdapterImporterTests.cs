using ALoRA.Engine.Peft;
using ALoRA.Engine.SafeTensors;
using static TorchSharp.torch;

namespace ALoRA.Engine.Tests.Peft;

public sealed class PeftAdapterImporterTests : IDisposable
{
    private const string QPrefix = "base_model.model.model.layers.0.self_attn.q_proj";

    private readonly PeftTestFiles _files = new();

    public PeftAdapterImporterTests() => Samples.EnsureTorch();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Load_PeftNamedAdapter_CopiesTensorsWithAllGatesOn()
    {
        var dir = _files.WriteQvAdapter("qv");

        using var model = PeftAdapterImporter.Load(RepositoryPaths.Stories260K, dir);

        Assert.Equal(10, model.Adapters.Count);
        using var file = SafeTensorsFile.Open(Path.Combine(dir, "adapter_model.safetensors"));
        foreach (var slot in model.Adapters)
        {
            using var a = file.Read($"base_model.model.{slot.Path}.lora_A.weight");
            using var b = file.Read($"base_model.model.{slot.Path}.lora_B.weight");
            Assert.True(TensorAssert.Same(a, slot.Module.LoraA.detach()), slot.Path);
            Assert.True(TensorAssert.Same(b, slot.Module.LoraB.detach()), slot.Path);
            Assert.Equal(2.0, slot.Module.Scale);
            Assert.All(slot.Module.Gates, Assert.True);
        }
    }

    [Fact]
    public void Load_KeysWithoutPrefixOrWithAdapterName_LoadSameWeights()
    {
        var peft = _files.WriteQvAdapter("peft");
        var renamed = _files.WriteQvAdapter("renamed", tensors =>
        {
            foreach (var key in tensors.Keys.ToList())
            {
                var bare = key["base_model.model.".Length..];
                var name = key.Contains("layers.0.", StringComparison.Ordinal) ? bare.Replace(".weight", ".default.weight", StringComparison.Ordinal) : bare;
                tensors[name] = tensors[key];
                tensors.Remove(key);
            }
        });

        using var expected = PeftAdapterImporter.Load(RepositoryPaths.Stories260K, peft);
        using var actual = PeftAdapterImporter.Load(RepositoryPaths.Stories260K, renamed);

        foreach (var (e, a) in expected.Adapters.Zip(actual.Adapters))
        {
            Assert.True(TensorAssert.Same(e.Module.LoraA.detach(), a.Module.LoraA.detach()), e.Path);
            Assert.True(TensorAssert.Same(e.Module.LoraB.detach(), a.Module.LoraB.detach()), e.Path);
        }
    }

    [Fact]
    public void Load_TensorShapeDoesNotFitModel_FailsNamingTensorAndFile()
    {
        var dir = _files.WriteQvAdapter("shape", tensors => tensors[$"{QPrefix}.lora_B.weight"] = randn(32, 4));

        var ex = Assert.Throws<PeftFormatException>(() => PeftAdapterImporter.Load(RepositoryPaths.Stories260K, dir));

        Assert.Contains($"'{QPrefix}.lora_B.weight' has shape [32, 4]", ex.Message);
        Assert.Contains("[64, 4]", ex.Message);
        Assert.Contains(Path.Combine(dir, "adapter_model.safetensors"), ex.Message);
    }

    [Fact]
    public void Load_RankDiffersFromConfig_FailsNamingTensor()
    {
        var dir = _files.WriteQvAdapter("rank", tensors => tensors[$"{QPrefix}.lora_A.weight"] = randn(6, 64));

        var ex = Assert.Throws<PeftFormatException>(() => PeftAdapterImporter.Load(RepositoryPaths.Stories260K, dir));

        Assert.Contains($"'{QPrefix}.lora_A.weight' has shape [6, 64]", ex.Message);
        Assert.Contains("rank 4", ex.Message);
    }

    [Fact]
    public void Load_MissingTensor_FailsNamingTensorAndFile()
    {
        const string name = "base_model.model.model.layers.2.self_attn.v_proj.lora_B.weight";
        var dir = _files.WriteQvAdapter("missing", tensors => tensors.Remove(name));

        var ex = Assert.Throws<PeftFormatException>(() => PeftAdapterImporter.Load(RepositoryPaths.Stories260K, dir));

        Assert.Contains($"missing tensors: {name}", ex.Message);
        Assert.Contains("adapter_model.safetensors", ex.Message);
        Assert.DoesNotContain("unexpected", ex.Message);
    }

    [Fact]
    public void Load_UnexpectedTensor_FailsNamingTensor()
    {
        const string name = "base_model.model.model.layers.0.mlp.up_proj.lora_A.weight";
        var dir = _files.WriteQvAdapter("unexpected", tensors => tensors[name] = randn(4, 64));

        var ex = Assert.Throws<PeftFormatException>(() => PeftAdapterImporter.Load(RepositoryPaths.Stories260K, dir));

        Assert.Contains(name, ex.Message);
        Assert.Contains("unexpected tensors", ex.Message);
        Assert.DoesNotContain("missing", ex.Message);
    }

    [Fact]
    public void Load_NonLoraTensor_FailsAsUnexpected()
    {
        var dir = _files.WriteQvAdapter("extra", tensors => tensors["base_model.model.lm_head.weight"] = randn(512, 64));

        var ex = Assert.Throws<PeftFormatException>(() => PeftAdapterImporter.Load(RepositoryPaths.Stories260K, dir));

        Assert.Contains("unexpected tensors (no adapted module of that name): base_model.model.lm_head.weight", ex.Message);
    }

    [Fact]
    public void Load_WeightsFileMissing_FailsNamingFile()
    {
        var dir = _files.WriteAdapter("noweights", """{"peft_type": "LORA", "r": 4, "target_modules": ["q_proj"]}""");

        var ex = Assert.Throws<PeftFormatException>(() => PeftAdapterImporter.Load(RepositoryPaths.Stories260K, dir));

        Assert.Contains($"{Path.Combine(dir, "adapter_model.safetensors")}: file not found", ex.Message);
    }

    [Fact]
    public void Load_RsLora_ScaleIsAlphaOverSqrtRank()
    {
        var dir = _files.WriteQvAdapter("rslora", tensors =>
        {
            for (var layer = 0; layer < 5; layer++)
            {
                var q = $"base_model.model.model.layers.{layer}.self_attn.q_proj";
                tensors[$"{q}.lora_A.weight"] = randn(16, 64);
                tensors[$"{q}.lora_B.weight"] = randn(64, 16);
            }
        }, extraConfig: """, "use_rslora": true, "rank_pattern": {"q_proj": 16}, "alpha_pattern": {"layers\\.4\\.self_attn\\.v_proj": 6}""");
        var path = Path.Combine(dir, "adapter_config.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"use_rslora\": false, ", "", StringComparison.Ordinal));

        using var model = PeftAdapterImporter.Load(RepositoryPaths.Stories260K, dir);

        var scales = model.Adapters.ToDictionary(s => s.Path, s => s.Module.Scale);
        Assert.Equal(8.0 / 4, scales["model.layers.0.self_attn.q_proj"], 12); // alpha 8 / sqrt(16)
        Assert.Equal(8.0 / 2, scales["model.layers.0.self_attn.v_proj"], 12); // alpha 8 / sqrt(4)
        Assert.Equal(6.0 / 2, scales["model.layers.4.self_attn.v_proj"], 12); // alpha_pattern 6 / sqrt(4)
        Assert.Equal(16, model.Adapters.Single(s => s.Path == "model.layers.3.self_attn.q_proj").Module.Rank);
    }

    [Fact]
    public void Load_InfinityInATensor_FailsNamingFileAndTensor()
    {
        var name = QPrefix + ".lora_A.weight";
        var dir = _files.WriteQvAdapter("inf", tensors =>
        {
            var bad = tensors[name].clone();
            bad[1, 3] = tensor(float.PositiveInfinity);
            bad[0, 0] = tensor(float.NaN);
            tensors[name] = bad;
        });

        var ex = Assert.Throws<PeftFormatException>(() => PeftAdapterImporter.Load(RepositoryPaths.Stories260K, dir));

        Assert.Equal($"{Path.Combine(dir, "adapter_model.safetensors")}: tensor '{name}' holds 2 non-finite values (NaN or infinity); an adapter's weights must be finite numbers", ex.Message);
    }
}
