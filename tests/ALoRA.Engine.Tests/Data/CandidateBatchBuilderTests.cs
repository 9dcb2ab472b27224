using ALoRA.Engine.Data;

namespace ALoRA.Engine.Tests.Data;

public sealed class CandidateBatchBuilderTests
{
    [Fact]
    public void Build_ClassificationExamples_EveryPairExactlyOnce()
    {
        var fake = new FakeTokenizer();
        TaskExample[] examples =
        [
            new("a b c It was", ["negative", "positive"], 1),
            new("d It was", ["negative", "positive"], 0),
            new("e f It was", ["negative", "positive"], 0),
        ];

        var batches = CandidateBatchBuilder.Build(examples, new PromptTokenizer(fake), 32, batchSize: 4);

        Assert.Equal([4, 2], batches.Select(b => b.BatchSize));
        var pairs = batches.SelectMany(b => b.ExampleIndices.Zip(b.CandidateIndices!)).Order().ToArray();
        Assert.Equal([(0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (2, 1)], pairs);
    }

    [Fact]
    public void Build_Rows_TargetsAreCandidateTokensWithoutEos()
    {
        var fake = new FakeTokenizer();
        TaskExample[] examples = [new("q", ["no", "yes please"], 0)];

        var batch = CandidateBatchBuilder.Build(examples, new PromptTokenizer(fake), 32, batchSize: 8).Single();

        for (var b = 0; b < batch.BatchSize; b++)
        {
            var targets = batch.Labels.Skip(b * batch.SequenceLength).Take(batch.SequenceLength).Where(l => l != Batch.IgnoreIndex);
            var expected = fake.EncodeWithoutBos(examples[0].Candidates[batch.CandidateIndices![b]]).Select(i => (long)i);
            Assert.Equal(expected, targets);
        }

        Assert.Equal(3, batch.TargetTokenCount);
        Assert.Equal(0L, batch.InputIds[(1 * batch.SequenceLength) + 4]); // shorter row padded with PAD 0
    }

    [Fact]
    public void Build_EmptyCandidate_ThrowsNamingSource()
    {
        TaskExample[] examples = [new("q", ["", "yes"], 0) { Source = "dev.jsonl line 3" }];
        var ex = Assert.Throws<DataFormatException>(
            () => CandidateBatchBuilder.Build(examples, new PromptTokenizer(new FakeTokenizer()), 32, 8));
        Assert.StartsWith("dev.jsonl line 3: candidate 0", ex.Message);
    }
}
