using ALoRA.Engine.Data;

namespace ALoRA.Engine.Tests.Data;

public sealed class LengthBucketSamplerTests
{
    private static readonly int[] Lengths = Enumerable.Range(0, 1_037).Select(i => 5 + ((i * 7919) % 61)).ToArray();

    [Fact]
    public void PlanEpoch_SameSeedAndEpoch_IdenticalAcrossInstances()
    {
        var a = new LengthBucketSampler(Lengths, 8, seed: 42, bucketBatches: 4).PlanEpoch(3);
        var b = new LengthBucketSampler(Lengths, 8, seed: 42, bucketBatches: 4).PlanEpoch(3);
        Assert.Equal(a.Count, b.Count);
        Assert.True(a.Zip(b).All(p => p.First.SequenceEqual(p.Second)));
    }

    [Fact]
    public void PlanEpoch_DifferentEpochOrSeed_DifferentOrder()
    {
        var sampler = new LengthBucketSampler(Lengths, 8, seed: 42, bucketBatches: 4);
        var epoch0 = sampler.PlanEpoch(0).SelectMany(b => b).ToArray();
        Assert.False(epoch0.SequenceEqual(sampler.PlanEpoch(1).SelectMany(b => b)));
        Assert.False(epoch0.SequenceEqual(new LengthBucketSampler(Lengths, 8, seed: 43, bucketBatches: 4).PlanEpoch(0).SelectMany(b => b)));
    }

    [Fact]
    public void PlanEpoch_AnyEpoch_EveryIndexExactlyOnceWithOnePartialBatch()
    {
        var sampler = new LengthBucketSampler(Lengths, 8, seed: 1, bucketBatches: 4);
        var plan = sampler.PlanEpoch(2);
        Assert.Equal(Enumerable.Range(0, Lengths.Length), plan.SelectMany(b => b).Order());
        Assert.Equal(sampler.BatchesPerEpoch, plan.Count);
        Assert.Equal(130, plan.Count);
        Assert.Single(plan, b => b.Length != 8);
        Assert.Contains(plan, b => b.Length == 1_037 % 8);
    }

    [Fact]
    public void PlanEpoch_WithinBatch_LengthsComeFromOneSortedChunk()
    {
        var plan = new LengthBucketSampler(Lengths, 8, seed: 5, bucketBatches: 4).PlanEpoch(0);
        Assert.All(plan, b => Assert.True(b.Select(i => Lengths[i]).SequenceEqual(b.Select(i => Lengths[i]).Order())));
    }

    [Fact]
    public void PlanEpoch_RealSst2Lengths_ReducesPaddingVersusRandomOrder()
    {
        using var hf = HfTokenizer.Load(DataTestPaths.TokenizerJson);
        var examples = JsonlReader.Read(Path.Combine(DataTestPaths.Sst2Dir, "train.jsonl"), TaskRegistry.Get("sst2"), maxExamples: 8_000);
        var lengths = new PromptTokenizer(hf).TokenizeAll(examples, 256).Select(r => r.Length).ToArray();

        static long Padding(IReadOnlyList<int[]> plan, int[] lengths) =>
            plan.Sum(b => ((long)b.Max(i => lengths[i]) * b.Length) - b.Sum(i => (long)lengths[i]));

        var bucketed = Padding(new LengthBucketSampler(lengths, 16, seed: 7).PlanEpoch(0), lengths);
        var random = Padding(new LengthBucketSampler(lengths, 16, seed: 7, bucketBatches: 1).PlanEpoch(0), lengths);
        Assert.True(bucketed * 4 < random, $"bucketed padding {bucketed} vs random {random}");
    }

    [Fact]
    public void PlanEvaluation_Lengths_SortedLongestFirstWithoutLoss()
    {
        var plan = LengthBucketSampler.PlanEvaluation(Lengths, 10);
        var flat = plan.SelectMany(b => b).ToArray();
        Assert.Equal(Enumerable.Range(0, Lengths.Length), flat.Order());
        Assert.True(flat.Select(i => Lengths[i]).SequenceEqual(Lengths.OrderDescending()));
        Assert.Equal(104, plan.Count);
    }
}
