using System.Text.Json;
using ALoRA.Engine.Lora;
using ALoRA.Engine.Model;
using ALoRA.Engine.SafeTensors;
using ALoRA.Sweeps.Planning;

namespace ALoRA.Engine.Tests.Model;

/// <summary>
/// The memory estimate's parts against independent counts: the stored tensors of the sample model, the trainable
/// parameters of a model built with adapters, and the published parameter count of a 7B LLaMA. Its activation part
/// is checked against measured memory in <c>ALoRA.Cli.Tests</c> (TrainingMemoryMeasurementTests).
/// </summary>
public sealed class TrainingMemoryEstimateTests
{
    public TrainingMemoryEstimateTests() => Samples.EnsureTorch();

    private static ModelShape Stories() => ModelShape.Load(Path.Combine(RepositoryPaths.Stories260K, "config.json"));

    /// <summary>LLaMA-2-7B's config.json (the published shapes).</summary>
    internal static ModelShape Llama7B() => ModelShape.FromJson(JsonDocument.Parse("""
        {"hidden_size": 4096, "intermediate_size": 11008, "num_hidden_layers": 32, "num_attention_heads": 32,
         "num_key_value_heads": 32, "vocab_size": 32000, "tie_word_embeddings": false}
        """).RootElement, "llama-7b/config.json");

    [Fact]
    public void Weights_AreTheStoredTensorsInFloat32_ATiedHeadCountedOnce()
    {
        // The file stores lm_head.weight although the config ties it to the embedding: the model shares that storage.
        using var file = SafeTensorsFile.Open(Path.Combine(RepositoryPaths.Stories260K, "model.safetensors"));
        Assert.True(Stories().TieWordEmbeddings);
        var stored = file.Tensors.Values.Where(t => t.Name != "lm_head.weight").Sum(t => t.ElementCount);

        var estimate = TrainingMemoryEstimate.For(Stories(), 8, LoraConfig.LlamaModuleTypes, 16, 64);

        Assert.Equal(stored * 4, estimate.WeightBytes);
    }

    [Fact]
    public void Weights_Of7B_AreItsPublishedParameterCount()
    {
        var estimate = TrainingMemoryEstimate.For(Llama7B(), 8, ["q_proj", "v_proj"], 1, 8);

        Assert.Equal(6_738_415_616L * 4, estimate.WeightBytes);
    }

    [Theory]
    [InlineData(8, new[] { "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj" })]
    [InlineData(64, new[] { "q_proj", "v_proj" })]
    [InlineData(3, new[] { "down_proj", "k_proj" })]
    public void Adapter_GradientsAndMoments_FollowTheTrainableParameters(int rank, string[] modules)
    {
        using var model = HfModelLoader.Load(RepositoryPaths.Stories260K, new ModelLoadOptions { Lora = new LoraConfig { R = rank, TargetModules = modules } });
        var trainable = model.TrainableParameters().Sum(p => p.Parameter.numel());

        var estimate = TrainingMemoryEstimate.For(Stories(), rank, modules, 4, 32);

        Assert.Equal(trainable * 4 * 2, estimate.AdapterBytes); // the adapter and the best-so-far copy
        Assert.Equal(trainable * 4, estimate.GradientBytes);
        Assert.Equal(trainable * 4 * 2, estimate.OptimizerBytes); // AdamW's two moments
    }

    [Fact]
    public void Activations_GrowLinearlyWithBatchAndSequenceLength_OtherPartsDoNot()
    {
        var small = TrainingMemoryEstimate.For(Stories(), 8, LoraConfig.LlamaModuleTypes, 4, 64);
        var wide = TrainingMemoryEstimate.For(Stories(), 8, LoraConfig.LlamaModuleTypes, 64, 64);
        var longer = TrainingMemoryEstimate.For(Stories(), 8, LoraConfig.LlamaModuleTypes, 4, 1024);

        Assert.Equal(small.ActivationBytes * 16.0, wide.ActivationBytes, small.ActivationBytes * 1e-6);
        Assert.Equal(small.ActivationBytes * 16.0, longer.ActivationBytes, small.ActivationBytes * 1e-6);
        Assert.Equal((small.WeightBytes, small.AdapterBytes), (wide.WeightBytes, wide.AdapterBytes));
    }

    [Fact]
    public void TheIssuesCase_On7B_IsActivations_AndATinyRunIsTheModel()
    {
        // Issue 12: r 1024, batch 4096, 131072 tokens on a 7B model. Tens of petabytes, almost all activations.
        var huge = TrainingMemoryEstimate.For(Llama7B(), 1024, LoraConfig.LlamaModuleTypes, 4096, 131_072);
        var rankHeavy = TrainingMemoryEstimate.For(Llama7B(), 1024, LoraConfig.LlamaModuleTypes, 1, 8);
        var tiny = TrainingMemoryEstimate.For(Llama7B(), 1, ["q_proj"], 1, 8);

        Assert.Equal(TrainingMemoryEstimate.ActivationSettings, huge.LargestContributor);
        Assert.True(huge.TotalBytes > 1L << 50, TrainingMemoryEstimate.Gib(huge.TotalBytes));
        Assert.Equal(TrainingMemoryEstimate.RankSetting, rankHeavy.LargestContributor);
        Assert.Equal(TrainingMemoryEstimate.ModelSetting, tiny.LargestContributor);
        Assert.Equal("25.10 GiB", TrainingMemoryEstimate.Gib(tiny.WeightBytes));
    }

    [Fact]
    public void UnknownModuleType_IsRefused() =>
        Assert.Throws<ArgumentException>(() => TrainingMemoryEstimate.For(Stories(), 8, ["qkv_proj"], 1, 8));
}
