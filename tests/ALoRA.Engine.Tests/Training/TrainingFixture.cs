using ALoRA.Engine.Data;
using ALoRA.Engine.Lora;
using ALoRA.Engine.Model;
using ALoRA.Engine.Training;

namespace ALoRA.Engine.Tests.Training;

/// <summary>stories260K with LoRA on a small slice of the shipped SST-2, for trainer tests.</summary>
internal static class TrainingFixture
{
    private static readonly Lazy<HfTokenizer> Tokenizer = new(() => HfTokenizer.Load(Path.Combine(RepositoryPaths.Stories260K, "tokenizer.json")));

    public static DatasetSplits Sst2(int train = 96, int dev = 32, int test = 32, bool flipDevLabels = false)
    {
        var task = TaskRegistry.Get("sst2");
        var trainRows = JsonlReader.Read(Path.Combine(RepositoryPaths.Sst2, "train.jsonl"), task, train);
        var devRows = JsonlReader.Read(Path.Combine(RepositoryPaths.Sst2, "validation.jsonl"), task, dev);
        var testRows = JsonlReader.Read(Path.Combine(RepositoryPaths.Sst2, "test.jsonl"), task, test);
        if (flipDevLabels)
        {
            devRows = trainRows.Take(dev).Select(e => e with { Label = 1 - e.Label }).ToList();
        }

        return new DatasetSplits(trainRows, devRows, testRows);
    }

    public static TrainingData Data(TrainingOptions options, DatasetSplits? splits = null) =>
        TrainingData.Prepare(TaskRegistry.Get("sst2"), splits ?? Sst2(), Tokenizer.Value, options);

    public static LlamaForCausalLM Model(double dropout = 0.0, long seed = 7) =>
        HfModelLoader.Load(RepositoryPaths.Stories260K, new ModelLoadOptions { Lora = new LoraConfig { LoraDropout = dropout, InitSeed = seed } });
}
