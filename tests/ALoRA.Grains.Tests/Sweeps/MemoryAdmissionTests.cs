using ALoRA.Engine.Model;
using ALoRA.Grains.Hosting;
using ALoRA.Grains.Sweeps;
using ALoRA.Grains.Tests.Cluster;
using ALoRA.Grains.Trainers;
using ALoRA.Sweeps;
using ALoRA.Sweeps.Planning;

namespace ALoRA.Grains.Tests.Sweeps;

/// <summary>
/// Issue 12: a spec whose trials need more memory than any device was accepted, and each attempt killed the silo. Each
/// trial's estimate is now checked at submit against the largest device the trainers registered.
/// </summary>
public sealed class MemoryAdmissionTests : IDisposable
{
    /// <summary>LLaMA-2-7B's shapes.</summary>
    public const string Llama7BConfig = """
        {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 4096, "intermediate_size": 11008,
         "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 32, "vocab_size": 32000,
         "max_position_embeddings": 4096, "rms_norm_eps": 1e-05, "tie_word_embeddings": false, "torch_dtype": "float32"}
        """;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A model folder with a 7B config.json and placeholder weights: the check reads only the config.</summary>
    private string Model7B()
    {
        var model = _dir.PathOf("llama-7b");
        Directory.CreateDirectory(model);
        File.WriteAllText(Path.Combine(model, "config.json"), Llama7BConfig);
        File.WriteAllText(Path.Combine(model, "model.safetensors"), "not weights: the check happens before loading");
        File.WriteAllText(Path.Combine(model, "tokenizer.json"), "{}");
        return model;
    }

    private static (SweepSpec Spec, SweepPlan Plan) Plan(string model, string settings)
    {
        var spec = SweepSpecParser.Parse($"id: mem\nmodel: {model}\ndata: {RepositoryPaths.Sst2}\ntask: sst2\nseeds: [1]\nmethod: lora\n{settings}\n", "mem.yaml");
        return (spec, SweepExpander.Expand(spec));
    }

    [Fact]
    public void TheIssuesCase_On7B_IsRefused_NamingBatchAndSequenceLength_AndBothSizes()
    {
        var (spec, plan) = Plan(Model7B(), "lora: {r: 1024}\ntraining: {batch_size: 4096, max_sequence_length: 131072}");

        var ex = Assert.Throws<SweepSpecException>(() => MemoryAdmission.Check(spec, plan, 80L << 30));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(("training.batch_size", 8), (error.Path, error.Line));
        Assert.Contains("but the largest device in the cluster has 80.00 GiB", error.Message, StringComparison.Ordinal);
        Assert.Contains("the largest part comes from training.batch_size = 4096 and training.max_sequence_length = 131072 (the activations)", error.Message, StringComparison.Ordinal);
        Assert.Matches(@"^trial \S+ needs about [0-9]+\.[0-9]{2} GiB \(weights 25\.10 GiB,", error.Message);
    }

    [Fact]
    public void AHighRankOnASmallBatch_IsRefusedNamingLoraR()
    {
        var (spec, plan) = Plan(Model7B(), "lora: {r: 1024}\ntraining: {batch_size: 1, max_sequence_length: 8}");
        var estimate = MemoryAdmission.Estimate(LlamaConfig.FromJson(System.Text.Json.JsonDocument.Parse(Llama7BConfig).RootElement, "c"), plan.Trials[0], 0);

        var ex = Assert.Throws<SweepSpecException>(() => MemoryAdmission.Check(spec, plan, estimate.TotalBytes - 1));

        Assert.Equal("lora.r", Assert.Single(ex.Errors).Path);
        Assert.Contains("the largest part comes from lora.r = 1024", ex.Message, StringComparison.Ordinal);
        MemoryAdmission.Check(spec, plan, estimate.TotalBytes); // exactly enough fits
    }

    [Fact]
    public void TheModelAloneTooLarge_IsRefusedNamingTheModel_AndCountsTheOtherTrials()
    {
        var model = Model7B();
        var (spec, plan) = Plan(model, "lora: {r: {grid_search: [1, 2, 4]}}\ntraining: {batch_size: 1, max_sequence_length: 8}");

        var ex = Assert.Throws<SweepSpecException>(() => MemoryAdmission.Check(spec, plan, 16L << 30));

        var error = Assert.Single(ex.Errors);
        Assert.Equal("model", error.Path);
        Assert.Contains($"the largest part comes from the model {model} itself (its weights); 2 more of the sweep's 3 trials do not fit either", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnsetBatchSize_IsTheEnginesChoiceForTheData()
    {
        // The sample SST-2 has over 10,000 training examples: the engine trains with 128.
        var (spec, plan) = Plan(Model7B(), "training: {max_sequence_length: 4096}");
        var config = LlamaConfig.FromJson(System.Text.Json.JsonDocument.Parse(Llama7BConfig).RootElement, "c");

        var ex = Assert.Throws<SweepSpecException>(() => MemoryAdmission.Check(spec, plan, 80L << 30));

        Assert.Contains("training.batch_size = null (the engine's 128) and training.max_sequence_length = 4096", ex.Message, StringComparison.Ordinal);
        Assert.Equal(MemoryAdmission.Estimate(config, plan.Trials[0], 10_000).ActivationBytes,
            TrainingMemoryEstimate.For(MemoryAdmission.Shape(config), 8, plan.Trials[0].Lora.TargetModules, 128, 4096).ActivationBytes);
    }

    [Fact]
    public void ModelShape_ReadsTheSizesTheEngineReads_WithTheSameDefaults()
    {
        const string defaults = """{"hidden_size": 96, "intermediate_size": 200, "num_hidden_layers": 3, "num_attention_heads": 6, "vocab_size": 300}""";
        foreach (var (json, source) in new[] { (File.ReadAllText(Path.Combine(RepositoryPaths.Stories260K, "config.json")), "stories"), (Llama7BConfig, "7b"), (defaults, "defaults") })
        {
            using var doc = System.Text.Json.JsonDocument.Parse(json);
            Assert.Equal(MemoryAdmission.Shape(LlamaConfig.FromJson(doc.RootElement, source)), ModelShape.FromJson(doc.RootElement, source));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(9_999)]
    [InlineData(10_000)]
    public void ThePlansBatchRule_IsTheEngines(int examples) =>
        Assert.Equal(new Engine.Training.TrainingOptions().ResolveBatchSize(examples), TrainingMemoryEstimate.DefaultBatchSize(examples));

    /// <summary>The longest training example against the engine's own tokenization of every row.</summary>
    [Fact]
    public void LongestExample_IsTheLongestRowTheEngineTokenizes()
    {
        var data = _dir.PathOf("data");
        Directory.CreateDirectory(data);
        var rows = File.ReadLines(Path.Combine(RepositoryPaths.Sst2, "train.jsonl")).Take(400).ToList();
        rows.Insert(123, System.Text.Json.JsonSerializer.Serialize(new { text = string.Join(' ', Enumerable.Repeat("an unexpectedly long and winding review", 12)), label = 1 }));
        var train = Path.Combine(data, "train.jsonl");
        File.WriteAllLines(train, rows);
        using var tokenizer = Engine.Data.HfTokenizer.Load(Path.Combine(RepositoryPaths.Stories260K, "tokenizer.json"));
        var prompts = new Engine.Data.PromptTokenizer(tokenizer);
        var expected = Engine.Data.JsonlReader.Read(train, new Engine.Data.Sst2Task())
            .Max(e => Enumerable.Range(0, e.Candidates.Count).Max(c => prompts.TokenizeCandidate(e, c, 100_000).InputIds.Length));

        Assert.Equal(expected, LongestExample.Tokens(RepositoryPaths.Stories260K, train, "sst2"));
        Assert.Null(LongestExample.Tokens(RepositoryPaths.Stories260K, Path.Combine(data, "missing.jsonl"), "sst2"));
    }

    /// <summary>
    /// Issue 13: the default max_sequence_length becomes 2,048 (capped at the model's 512 positions). The sample model
    /// on SST-2 at batch 128 would be estimated at about 3 GiB for 512-token rows, but its longest example is far
    /// shorter, and batches are padded to their longest row only: the estimate follows the data.
    /// </summary>
    [Fact]
    public void TheSampleModel_AtALongMaximumLength_IsEstimatedAtItsLongestExample()
    {
        var (spec, plan) = Plan(RepositoryPaths.Stories260K, "training: {max_sequence_length: 2048}");
        var config = LlamaConfig.Load(Path.Combine(RepositoryPaths.Stories260K, "config.json"));
        var tokens = LongestExample.Tokens(RepositoryPaths.Stories260K, Path.Combine(RepositoryPaths.Sst2, "train.jsonl"), "sst2");

        Assert.InRange(tokens!.Value, 20, 511);
        var atTheData = MemoryAdmission.Estimate(config, plan.Trials[0], 10_000, tokens);
        var atTheCap = MemoryAdmission.Estimate(config, plan.Trials[0], 10_000);
        Assert.Equal(TrainingMemoryEstimate.For(MemoryAdmission.Shape(config), 8, plan.Trials[0].Lora.TargetModules, 128, 512).TotalBytes, atTheCap.TotalBytes);
        Assert.True(atTheData.TotalBytes < atTheCap.TotalBytes, $"{atTheData.TotalBytes} vs {atTheCap.TotalBytes}");
        MemoryAdmission.Check(spec, plan, atTheData.TotalBytes); // refused only below the data's own need
        Assert.Throws<SweepSpecException>(() => MemoryAdmission.Check(spec, plan, atTheData.TotalBytes - 1));
    }

    [Fact]
    public void TheSampleModel_FitsAnOrdinaryMachine()
    {
        // Its defaults on the full SST-2 (batch 128 of 512 tokens: the default 2,048 capped at the model's 512 positions,
        // every row assumed that long) are estimated at about 3 GiB.
        var (spec, plan) = Plan(RepositoryPaths.Stories260K, "");

        MemoryAdmission.Check(spec, plan, 4L << 30);
    }

    [Fact]
    public void TheSequenceLength_IsCappedAtTheModelsPositions_AsTheEngineTrains()
    {
        // stories260K has 512 position embeddings: the default 2,048 trains (and is estimated) at 512.
        var (_, plan) = Plan(RepositoryPaths.Stories260K, "");
        var config = LlamaConfig.Load(Path.Combine(RepositoryPaths.Stories260K, "config.json"));
        Assert.Equal(2048, plan.Trials[0].Training.MaxSequenceLength);
        Assert.Equal(512, config.MaxPositionEmbeddings);

        var estimate = MemoryAdmission.Estimate(config, plan.Trials[0], 10_000);

        Assert.Equal(TrainingMemoryEstimate.For(MemoryAdmission.Shape(config), 8, plan.Trials[0].Lora.TargetModules, 128, 512).ActivationBytes, estimate.ActivationBytes);
    }

    [Fact]
    public async Task Submit_TheIssuesCase_IsRefusedBeforeAnythingIsStored_TrainersReportTheirMemory()
    {
        await using var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 2);
        var cluster = await h.WaitForAsync(() => h.Scheduler.GetClusterStatusAsync(), c => c.Trainers.Count == 2, what: "2 trainers");
        var machine = DeviceMemory.MachineBytes();
        Assert.All(cluster.Trainers, t => Assert.Equal(machine, t.DeviceMemoryBytes)); // each CPU trainer: the whole machine
        var yaml = $"id: huge\nmodel: {Model7B()}\ndata: {RepositoryPaths.Sst2}\ntask: sst2\nseeds: [1]\nmethod: lora\nlora: {{r: 1024}}\ntraining: {{batch_size: 4096, max_sequence_length: 131072}}\n";

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => h.Sweep("huge").SubmitAsync(Specs.Parsed(yaml)));

        Assert.Contains("training.batch_size (line 8, col ", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"but the largest device in the cluster has {TrainingMemoryEstimate.Gib(machine)}", ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<KeyNotFoundException>(() => h.Sweep("huge").GetStatusAsync());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(h.Directory, "state"), "*huge*", SearchOption.AllDirectories));
        Assert.Empty((await h.Scheduler.GetClusterStatusAsync()).Sweeps);
    }

    [Fact]
    public void MachineMemory_IsAtMostMemTotal()
    {
        var memTotal = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        var kib = long.Parse(memTotal.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);

        var bytes = DeviceMemory.MachineBytes();

        Assert.InRange(bytes, 1L << 20, kib * 1024);
    }

    [Theory]
    [InlineData("24GiB", 24L << 30)]
    [InlineData("1.5 TiB", 3L << 39)]
    [InlineData("512MiB", 512L << 20)]
    [InlineData("536870912", 536870912L)]
    public void DeviceMemorySetting_OverridesEveryDevice(string setting, long bytes)
    {
        var memory = DeviceMemory.For(["cpu:0", "cuda:1"], new AloraTrainerOptions { DeviceMemory = setting });

        Assert.Equal([bytes, bytes], memory.Values);
    }

    [Theory]
    [InlineData("24 GB")]
    [InlineData("-1GiB")]
    [InlineData("0")]
    [InlineData("lots")]
    public void DeviceMemorySetting_NotASize_IsRefusedNamingTheKey(string setting)
    {
        var result = new AloraTrainerOptionsValidator().Validate(null, new AloraTrainerOptions { DeviceMemory = setting });

        Assert.True(result.Failed);
        Assert.Contains($"Alora:Trainers:DeviceMemory = '{setting}' is not a memory size", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void CudaDevices_RequireTheSetting()
    {
        var result = new AloraTrainerOptionsValidator().Validate(null, new AloraTrainerOptions { Devices = ["cuda:0"] });
        var discovered = Assert.Throws<InvalidOperationException>(() => DeviceMemory.For(["cuda:0"], new AloraTrainerOptions()));

        Assert.Contains("Alora:Trainers:DeviceMemory is required with CUDA devices", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Alora:Trainers:DeviceMemory is required", discovered.Message, StringComparison.Ordinal);
        Assert.True(new AloraTrainerOptionsValidator().Validate(null, new AloraTrainerOptions { Devices = ["cuda:0"], DeviceMemory = "80GiB" }).Succeeded);
    }
}
