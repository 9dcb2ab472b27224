namespace ALoRA.Engine.Data;

/// <summary>
/// The paper's split protocol (GLUE/SuperGLUE test labels are not public, so the original dev set serves as test).
/// <list type="bullet">
/// <item>A test set is given: train/dev/test are used as given.</item>
/// <item>Fewer than <see cref="LargeTrainThreshold"/> training examples: the original dev set is shuffled (seeded)
/// and halved: the first <c>floor(n/2)</c> shuffled examples become dev, the rest test; train is unchanged.</item>
/// <item>Otherwise: <see cref="HeldOutDevSize"/> training examples, chosen by a seeded shuffle, are held out as dev;
/// the original dev set is the test set.</item>
/// </list>
/// Every split keeps the original relative order of its examples; the shuffle uses SplitMix64 keyed by the seed,
/// so the result is the same on every machine and .NET version.
/// </summary>
public static class SplitProtocol
{
    /// <summary>Training sets at least this large give up <see cref="HeldOutDevSize"/> examples for dev.</summary>
    public const int LargeTrainThreshold = 10_000;

    /// <summary>Dev examples held out from a large training set.</summary>
    public const int HeldOutDevSize = 1_000;

    /// <summary>Applies the protocol described on <see cref="SplitProtocol"/>.</summary>
    /// <param name="train">The original training examples.</param>
    /// <param name="originalDev">The original (public) dev examples.</param>
    /// <param name="test">An explicit test set, or null to derive one.</param>
    /// <param name="seed">Seed of the split shuffle.</param>
    public static DatasetSplits Apply(
        IReadOnlyList<TaskExample> train, IReadOnlyList<TaskExample> originalDev, IReadOnlyList<TaskExample>? test, int seed)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(originalDev);
        if (test is not null)
        {
            return new DatasetSplits(train, originalDev, test);
        }

        if (train.Count < LargeTrainThreshold)
        {
            var (dev, rest) = Partition(originalDev, originalDev.Count / 2, seed);
            return new DatasetSplits(train, dev, rest);
        }

        var (heldOut, remaining) = Partition(train, HeldOutDevSize, seed);
        return new DatasetSplits(remaining, heldOut, originalDev);
    }

    /// <summary>Seeded choice of <paramref name="firstCount"/> items; both parts keep the original order.</summary>
    private static (TaskExample[] Chosen, TaskExample[] Others) Partition(IReadOnlyList<TaskExample> items, int firstCount, int seed)
    {
        var order = Enumerable.Range(0, items.Count).ToArray();
        new SplitMix64(seed, stream: -1).Shuffle(order);
        var first = order.Take(firstCount).Order().Select(i => items[i]).ToArray();
        var rest = order.Skip(firstCount).Order().Select(i => items[i]).ToArray();
        return (first, rest);
    }
}
