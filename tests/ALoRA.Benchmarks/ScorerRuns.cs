using ALoRA.Engine.Data;
using ALoRA.Engine.Lora;
using ALoRA.Engine.Model;
using ALoRA.Engine.Training;
using static TorchSharp.torch;

namespace ALoRA.Benchmarks;

/// <summary>Models and SST-2 data shared by the scorer benchmarks (<c>scorer-agreement</c>, <c>alora-overhead</c>).</summary>
internal static class ScorerRuns
{
    private static readonly Lazy<HfTokenizer> Tokenizer = new(() => HfTokenizer.Load(Path.Combine(RepositoryPaths.Stories260K, "tokenizer.json")));

    /// <summary>The first rows of the shipped SST-2 splits, tokenised by stories260K's tokenizer.</summary>
    public static TrainingData Sst2(TrainingOptions options, int train, int dev, int test)
    {
        var task = TaskRegistry.Get("sst2");
        var root = RepositoryPaths.Sst2;
        var splits = new DatasetSplits(
            JsonlReader.Read(Path.Combine(root, "train.jsonl"), task, train),
            JsonlReader.Read(Path.Combine(root, "validation.jsonl"), task, dev),
            JsonlReader.Read(Path.Combine(root, "test.jsonl"), task, test));
        return TrainingData.Prepare(task, splits, Tokenizer.Value, options);
    }

    /// <summary>
    /// <c>stories260K</c>: the shipped model; <c>tiny</c>: the bench's tiny preset (the same shape, random base weights);
    /// LoRA r = 8 on all 7 module types (280 ranks), seeded.
    /// </summary>
    public static LlamaForCausalLM Model(string name, long seed)
    {
        var lora = new LoraConfig { R = 8, LoraAlpha = 16, LoraDropout = 0, InitSeed = seed };
        if (name == "stories260K")
        {
            return HfModelLoader.Load(RepositoryPaths.Stories260K, new ModelLoadOptions { Lora = lora });
        }

        manual_seed(seed);
        return new LlamaForCausalLM(Preset.All.Single(p => p.Name == name).Config, ScalarType.Float32, lora);
    }
}
