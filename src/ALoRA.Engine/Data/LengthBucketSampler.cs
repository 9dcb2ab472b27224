namespace ALoRA.Engine.Data;

/// <summary>
/// Deterministic, resumable batch plans that group examples of similar length to reduce padding.
/// A plan is a pure function of (lengths, batch size, bucket size, seed, epoch), so training resumes exactly from
/// (epoch, batch index) by recomputing <see cref="PlanEpoch"/>.
/// <para>
/// Training epoch: shuffle all example indices with SplitMix64 keyed by (seed, epoch); cut the shuffled order into
/// chunks of <c>BucketSize = batchSize * bucketBatches</c>; sort each chunk by length (stable); cut each chunk into
/// batches of <c>batchSize</c>; shuffle the batch order with the same generator. The last partial batch is kept,
/// so every example appears exactly once per epoch.
/// </para>
/// </summary>
public sealed class LengthBucketSampler
{
    private readonly int[] _lengths;

    /// <summary>Creates a sampler.</summary>
    /// <param name="lengths">Sequence length of each example (index = example index).</param>
    /// <param name="batchSize">Rows per batch.</param>
    /// <param name="seed">Shuffle seed.</param>
    /// <param name="bucketBatches">Batches per length-sorted chunk (default 50).</param>
    public LengthBucketSampler(IReadOnlyList<int> lengths, int batchSize, long seed, int bucketBatches = 50)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bucketBatches);
        _lengths = lengths.ToArray();
        BatchSize = batchSize;
        BucketSize = checked(batchSize * bucketBatches);
        Seed = seed;
    }

    /// <summary>Rows per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Examples per length-sorted chunk (<c>batchSize * bucketBatches</c>).</summary>
    public int BucketSize { get; }

    /// <summary>The shuffle seed.</summary>
    public long Seed { get; }

    /// <summary>Number of examples.</summary>
    public int Count => _lengths.Length;

    /// <summary>Batches in every epoch plan: <c>ceil(Count / BatchSize)</c>.</summary>
    public int BatchesPerEpoch => (Count + BatchSize - 1) / BatchSize;

    /// <summary>The training plan of <paramref name="epoch"/>: a list of batches, each an array of example indices.</summary>
    /// <param name="epoch">0-based epoch number.</param>
    public IReadOnlyList<int[]> PlanEpoch(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        var rng = new SplitMix64(Seed, epoch);
        var order = Enumerable.Range(0, Count).ToArray();
        rng.Shuffle(order);
        var batches = new List<int[]>(BatchesPerEpoch);
        for (var start = 0; start < order.Length; start += BucketSize)
        {
            var chunk = order.AsSpan(start, Math.Min(BucketSize, order.Length - start)).ToArray();
            var sorted = chunk.Select((index, position) => (index, position))
                .OrderBy(p => _lengths[p.index]).ThenBy(p => p.position)
                .Select(p => p.index).ToArray();
            batches.AddRange(sorted.Chunk(BatchSize));
        }

        rng.Shuffle(batches);
        return batches;
    }

    /// <summary>The evaluation plan over this sampler's examples; see <see cref="PlanEvaluation(IReadOnlyList{int}, int)"/>.</summary>
    public IReadOnlyList<int[]> PlanEvaluation() => PlanEvaluation(_lengths, BatchSize);

    /// <summary>
    /// Evaluation plan: indices sorted by length, longest first (ties by index), cut into batches of
    /// <paramref name="batchSize"/>; no shuffling. Longest first makes an out-of-memory batch fail immediately.
    /// </summary>
    /// <param name="lengths">Sequence length of each example.</param>
    /// <param name="batchSize">Rows per batch.</param>
    public static IReadOnlyList<int[]> PlanEvaluation(IReadOnlyList<int> lengths, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        return Enumerable.Range(0, lengths.Count)
            .OrderByDescending(i => lengths[i]).ThenBy(i => i)
            .Chunk(batchSize).ToArray();
    }
}
