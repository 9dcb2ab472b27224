using ALoRA.Engine.Model;
using ALoRA.Engine.Training;

namespace ALoRA.Engine.Tests.Training;

/// <summary>The default sequence length (the paper's 2,048), its cap at the model's positions, and padding per batch.</summary>
public sealed class SequenceLengthTests
{
    public SequenceLengthTests() => Samples.EnsureTorch();

    [Fact]
    public void Default_IsThePapers2048_CappedAtTheModelsPositions()
    {
        var options = new TrainingOptions();
        var stories = LlamaConfig.Load(Path.Combine(RepositoryPaths.Stories260K, "config.json"));

        Assert.Equal(2048, options.MaxSequenceLength);
        Assert.Equal(512, options.ForModel(stories).MaxSequenceLength);
        Assert.Equal(2048, options.ForModel(stories with { MaxPositionEmbeddings = 4096 }).MaxSequenceLength);
        Assert.Equal(100, (options with { MaxSequenceLength = 100 }).ForModel(stories).MaxSequenceLength);
    }

    [Fact]
    public void Batches_ArePaddedToTheirLongestRowOnly_NotToTheMaximum()
    {
        var options = new TrainingOptions { BatchSize = 16 }.ForModel(LlamaConfig.Load(Path.Combine(RepositoryPaths.Stories260K, "config.json")));
        var data = TrainingFixture.Data(options, TrainingFixture.Sst2(train: 96, dev: 32, test: 32));

        var train = data.Sampler.PlanEpoch(0).Select(data.TrainBatch).ToList();
        var batches = train.Concat(data.Dev.LossBatches).Concat(data.Dev.CandidateBatches).Concat(data.Test.LossBatches)
            .Append(data.ValidationBatch(32, options.Seed, 0)).ToList();

        Assert.All(batches, b => Assert.Equal(b.Lengths.Max(), b.SequenceLength));
        Assert.All(batches, b => Assert.True(b.SequenceLength < 512, $"a batch of {b.SequenceLength} tokens"));
        // The buckets sort by length: most training batches are much shorter than the longest row of the epoch.
        var longest = train.Max(b => b.SequenceLength);
        Assert.True(train.Count(b => b.SequenceLength < longest) >= train.Count / 2, string.Join(", ", train.Select(b => b.SequenceLength)));
    }
}
