using ALoRA.Engine.Data;

namespace ALoRA.Engine.Tests.Data;

public sealed class SplitProtocolTests
{
    private static TaskExample[] Make(string prefix, int count) =>
        Enumerable.Range(0, count).Select(i => new TaskExample($"{prefix}{i}", ["r"], 0)).ToArray();

    private static void AssertDisjoint(params IReadOnlyList<TaskExample>[] splits)
    {
        var all = splits.SelectMany(s => s).ToArray();
        Assert.Equal(all.Length, all.Distinct(ReferenceEqualityComparer.Instance).Count());
    }

    [Fact]
    public void Apply_TestGiven_UsesSplitsAsGiven()
    {
        var (train, dev, test) = (Make("t", 50), Make("d", 10), Make("x", 5));
        var splits = SplitProtocol.Apply(train, dev, test, seed: 1);
        Assert.Same(train, splits.Train);
        Assert.Same(dev, splits.Dev);
        Assert.Same(test, splits.Test);
    }

    [Fact]
    public void Apply_SmallTrain_HalvesOriginalDevIntoDevAndTest()
    {
        var (train, dev) = (Make("t", 2_490), Make("d", 277));
        var splits = SplitProtocol.Apply(train, dev, null, seed: 3);

        Assert.Same(train, splits.Train);
        Assert.Equal((138, 139), (splits.Dev.Count, splits.Test.Count));
        AssertDisjoint(splits.Dev, splits.Test);
        Assert.Equal(dev.Order(PromptComparer).ToArray(), splits.Dev.Concat(splits.Test).Order(PromptComparer).ToArray());
        Assert.False(splits.Dev.SequenceEqual(dev.Take(138))); // shuffled, not the first half
    }

    [Fact]
    public void Apply_LargeTrain_HoldsOut1000TrainAsDevAndUsesDevAsTest()
    {
        var (train, dev) = (Make("t", 12_000), Make("d", 872));
        var splits = SplitProtocol.Apply(train, dev, null, seed: 3);

        Assert.Equal((11_000, 1_000), (splits.Train.Count, splits.Dev.Count));
        Assert.Same(dev, splits.Test);
        AssertDisjoint(splits.Train, splits.Dev, splits.Test);
        Assert.Equal(train.Length, splits.Train.Concat(splits.Dev).Distinct(ReferenceEqualityComparer.Instance).Count());
        Assert.All(splits.Dev, e => Assert.Contains(e, train));
    }

    [Fact]
    public void Apply_SameSeed_Deterministic_DifferentSeed_Differs()
    {
        var (train, dev) = (Make("t", 10_000), Make("d", 100));
        var a = SplitProtocol.Apply(train, dev, null, seed: 11);
        var b = SplitProtocol.Apply(train, dev, null, seed: 11);
        var c = SplitProtocol.Apply(train, dev, null, seed: 12);

        Assert.True(a.Dev.SequenceEqual(b.Dev, ReferenceEqualityComparer.Instance));
        Assert.True(a.Train.SequenceEqual(b.Train, ReferenceEqualityComparer.Instance));
        Assert.False(a.Dev.SequenceEqual(c.Dev, ReferenceEqualityComparer.Instance));
    }

    private static readonly Comparer<TaskExample> PromptComparer =
        Comparer<TaskExample>.Create((x, y) => string.CompareOrdinal(x.Prompt, y.Prompt));
}
