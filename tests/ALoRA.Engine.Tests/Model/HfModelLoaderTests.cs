using ALoRA.Engine.Lora;
using ALoRA.Engine.Model;
using ALoRA.Engine.SafeTensors;
using static TorchSharp.torch;

namespace ALoRA.Engine.Tests.Model;

public sealed class HfModelLoaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("alora-loader-").FullName;

    public HfModelLoaderTests() => Samples.EnsureTorch();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string CopyModel()
    {
        var dest = Path.Combine(_dir, "model");
        Directory.CreateDirectory(dest);
        foreach (var f in new[] { "config.json", "model.safetensors", "tokenizer.json" })
        {
            File.Copy(Path.Combine(RepositoryPaths.Stories260K, f), Path.Combine(dest, f));
        }

        return dest;
    }

    private static Dictionary<string, Tensor> ReadAll(string file)
    {
        using var st = SafeTensorsFile.Open(file);
        return st.Tensors.Keys.ToDictionary(k => k, st.Read);
    }

    [Fact]
    public void Load_WithLora_AdaptsSevenModulesPerLayerAndFreezesBase()
    {
        using var model = HfModelLoader.Load(RepositoryPaths.Stories260K, new ModelLoadOptions { Lora = new LoraConfig() });
        Assert.Equal(35, model.Adapters.Count);
        var trainable = model.TrainableParameters().Select(p => p.Name).ToList();
        Assert.Equal(70, trainable.Count);
        Assert.Contains("model.layers.0.self_attn.q_proj.lora_A.weight", trainable);
        Assert.Contains("model.layers.4.mlp.down_proj.lora_B.weight", trainable);
        Assert.All(trainable, n => Assert.Contains(".lora_", n));
        Assert.Contains("model.layers.0.self_attn.q_proj.base_layer.weight", model.state_dict().Keys);

        using var plain = HfModelLoader.Load(RepositoryPaths.Stories260K);
        using var ids = tensor(new long[] { 1, 403, 407, 261, 378 }).unsqueeze(0);
        using var _ = no_grad();
        Assert.True(allclose(plain.forward(ids), model.forward(ids), 0, 0), "fresh adapters (B = 0) must not change the output");
    }

    [Fact]
    public void Load_MissingTensor_NamesIt()
    {
        var dir = CopyModel();
        var tensors = ReadAll(Path.Combine(dir, "model.safetensors"));
        tensors.Remove("model.layers.2.mlp.up_proj.weight");
        SafeTensorsWriter.Write(Path.Combine(dir, "model.safetensors"), tensors);
        var ex = Assert.Throws<ModelLoadException>(() => HfModelLoader.Load(dir));
        Assert.Contains("missing tensors: model.layers.2.mlp.up_proj.weight", ex.Message);
    }

    [Fact]
    public void Load_UnexpectedAndMisshapenTensors_NamesThem()
    {
        var dir = CopyModel();
        var file = Path.Combine(dir, "model.safetensors");
        var tensors = ReadAll(file);
        tensors["model.layers.9.extra.weight"] = zeros(2);
        SafeTensorsWriter.Write(file, tensors);
        Assert.Contains("unexpected tensors: model.layers.9.extra.weight", Assert.Throws<ModelLoadException>(() => HfModelLoader.Load(dir)).Message);

        tensors.Remove("model.layers.9.extra.weight");
        tensors["model.norm.weight"] = ones(65);
        SafeTensorsWriter.Write(file, tensors);
        var ex = Assert.Throws<ModelLoadException>(() => HfModelLoader.Load(dir));
        Assert.Contains("'model.norm.weight' has shape [65]", ex.Message);
        Assert.Contains("[64]", ex.Message);
    }

    [Fact]
    public void Load_HalfPrecisionShards_ConvertsAndMatchesFloat32()
    {
        var dir = CopyModel();
        var file = Path.Combine(dir, "model.safetensors");
        var tensors = ReadAll(file);
        File.Delete(file);
        var names = tensors.Keys.OrderBy(k => k).ToList();
        var shards = new[] { names.Take(names.Count / 2).ToList(), names.Skip(names.Count / 2).ToList() };
        var map = new Dictionary<string, string>();
        for (var s = 0; s < 2; s++)
        {
            var shardName = $"model-0000{s + 1}-of-00002.safetensors";
            SafeTensorsWriter.Write(Path.Combine(dir, shardName), shards[s].ToDictionary(n => n, n => tensors[n].to(s == 0 ? ScalarType.BFloat16 : ScalarType.Float16)));
            foreach (var n in shards[s])
            {
                map[n] = shardName;
            }
        }

        File.WriteAllText(Path.Combine(dir, "model.safetensors.index.json"),
            System.Text.Json.JsonSerializer.Serialize(new { metadata = new { total_size = 0 }, weight_map = map }));
        using var model = HfModelLoader.Load(dir);
        using var reference = HfModelLoader.Load(RepositoryPaths.Stories260K);
        using var ids = tensor(new long[] { 1, 403, 407, 261, 378 }).unsqueeze(0);
        using var _ = no_grad();
        var diff = (model.forward(ids) - reference.forward(ids)).abs().max().item<float>();
        Assert.True(diff is > 0 and < 0.5f, $"half-precision weights should give close but not identical logits; max diff {diff}");
        Assert.Equal(ScalarType.Float32, model.Decoder.EmbedTokens.weight!.dtype);
    }

    [Fact]
    public void Load_ConfigClaimingA70BModel_FailsOnTheHeaders_WithoutAllocatingIt()
    {
        // Issue 12: the model was built from config.json before any tensor shape was checked, so a config claiming a
        // larger model than its weights allocated that model (here about 280 GB of float32) and the silo was killed.
        var dir = CopyModel();
        var cfg = Path.Combine(dir, "config.json");
        var text = File.ReadAllText(cfg)
            .Replace("\"hidden_size\": 64", "\"hidden_size\": 8192", StringComparison.Ordinal)
            .Replace("\"intermediate_size\": 172", "\"intermediate_size\": 28672", StringComparison.Ordinal)
            .Replace("\"num_hidden_layers\": 5", "\"num_hidden_layers\": 80", StringComparison.Ordinal)
            .Replace("\"num_attention_heads\": 8", "\"num_attention_heads\": 64", StringComparison.Ordinal)
            .Replace("\"num_key_value_heads\": 4", "\"num_key_value_heads\": 8", StringComparison.Ordinal)
            .Replace("\"head_dim\": 8", "\"head_dim\": 128", StringComparison.Ordinal)
            .Replace("\"vocab_size\": 512", "\"vocab_size\": 32000", StringComparison.Ordinal);
        File.WriteAllText(cfg, text);
        Assert.Contains("\"num_hidden_layers\": 80", File.ReadAllText(cfg), StringComparison.Ordinal);
        var peakBefore = ALoRA.Engine.Runtime.ProcessMemory.PeakResidentBytes();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var ex = Assert.Throws<ModelLoadException>(() => HfModelLoader.Load(dir));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the check took {clock.Elapsed}");
        Assert.Contains(cfg, ex.Message, StringComparison.Ordinal);
        Assert.Contains("missing tensors: model.layers.5.input_layernorm.weight and the other tensors of layers 5 to 79", ex.Message, StringComparison.Ordinal);
        var growth = ALoRA.Engine.Runtime.ProcessMemory.PeakResidentBytes() - peakBefore;
        Assert.True(growth < 512L << 20, $"peak resident memory grew by {growth >> 20} MiB while refusing the config");
    }

    [Fact]
    public void Load_ConfigWithALargerHiddenSizeThanTheWeights_NamesConfigTheTensorAndBothShapes()
    {
        var dir = CopyModel();
        var cfg = Path.Combine(dir, "config.json");
        File.WriteAllText(cfg, File.ReadAllText(cfg)
            .Replace("\"hidden_size\": 64", "\"hidden_size\": 16384", StringComparison.Ordinal)
            .Replace("\"intermediate_size\": 172", "\"intermediate_size\": 65536", StringComparison.Ordinal));
        var peakBefore = ALoRA.Engine.Runtime.ProcessMemory.PeakResidentBytes();

        var ex = Assert.Throws<ModelLoadException>(() => HfModelLoader.Load(dir));

        // The tensors of the first file, in name order: lm_head is tied, so the embedding is first.
        Assert.Equal(
            $"{Path.Combine(dir, "model.safetensors")}: tensor 'model.embed_tokens.weight' has shape [512, 64] but {cfg} implies [512, 16384]: the config does not describe these weights",
            ex.Message);
        Assert.True(ALoRA.Engine.Runtime.ProcessMemory.PeakResidentBytes() - peakBefore < 512L << 20, "the claimed model was allocated");
    }

    [Fact]
    public void Load_NoWeights_SaysWhatWasExpected()
    {
        var dir = CopyModel();
        File.Delete(Path.Combine(dir, "model.safetensors"));
        var ex = Assert.Throws<ModelLoadException>(() => HfModelLoader.Load(dir));
        Assert.Contains("expected model.safetensors or model.safetensors.index.json", ex.Message);
    }

    [Fact]
    public void Load_BadConfigField_NamesField()
    {
        var dir = CopyModel();
        var cfg = Path.Combine(dir, "config.json");
        File.WriteAllText(cfg, File.ReadAllText(cfg).Replace("\"num_key_value_heads\": 4", "\"num_key_value_heads\": 3"));
        var ex = Assert.Throws<ModelLoadException>(() => HfModelLoader.Load(dir));
        Assert.Contains("num_key_value_heads", ex.Message);
    }

    [Fact]
    public void Create_TargetsMatchingNothing_Throws()
    {
        var config = LlamaConfig.Load(Path.Combine(RepositoryPaths.Stories260K, "config.json"));
        var ex = Assert.Throws<ArgumentException>(() => new LlamaForCausalLM(config, lora: new LoraConfig { TargetModules = ["wq"] }));
        Assert.Contains("matched no linear layer", ex.Message);
    }
}
