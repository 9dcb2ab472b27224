namespace ALoRA.Engine.Data;

/// <summary>Pads tokenized rows into a <see cref="Batch"/> and builds the shifted labels.</summary>
public static class BatchCollator
{
    /// <summary>
    /// Collates <paramref name="rows"/> (in order) into a batch right-padded to the longest row.
    /// <c>Labels[b, t] = InputIds[b, t + 1]</c> for <c>ResponseStart &lt;= t + 1 &lt; length</c> (excluding the final
    /// EOS position when <paramref name="includeEosInTargets"/> is false), else <see cref="Batch.IgnoreIndex"/>.
    /// </summary>
    /// <param name="rows">The batch's rows; at least one.</param>
    /// <param name="exampleIndices">Each row's index into the source example list (same count as rows).</param>
    /// <param name="padId">Padding token id.</param>
    /// <param name="includeEosInTargets">True for training (EOS is learned); false for candidate scoring.</param>
    /// <param name="candidateIndices">Each row's candidate index, for candidate-scoring batches; optional.</param>
    public static Batch Collate(
        IReadOnlyList<TokenizedExample> rows,
        IReadOnlyList<int> exampleIndices,
        int padId,
        bool includeEosInTargets = true,
        IReadOnlyList<int>? candidateIndices = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(exampleIndices);
        if (rows.Count == 0)
        {
            throw new ArgumentException("a batch needs at least one row", nameof(rows));
        }

        if (exampleIndices.Count != rows.Count || (candidateIndices is not null && candidateIndices.Count != rows.Count))
        {
            throw new ArgumentException($"index lists must have one entry per row ({rows.Count})", nameof(exampleIndices));
        }

        var batchSize = rows.Count;
        var seqLen = rows.Max(r => r.Length);
        var inputIds = new long[batchSize * seqLen];
        var labels = new long[batchSize * seqLen];
        Array.Fill(inputIds, padId);
        Array.Fill(labels, Batch.IgnoreIndex);
        var lengths = new int[batchSize];
        var targets = 0;
        for (var b = 0; b < batchSize; b++)
        {
            var ids = rows[b].InputIds;
            var offset = b * seqLen;
            lengths[b] = ids.Length;
            for (var t = 0; t < ids.Length; t++)
            {
                inputIds[offset + t] = ids[t];
            }

            var lastTarget = includeEosInTargets ? ids.Length - 1 : ids.Length - 2;
            for (var next = Math.Max(rows[b].ResponseStart, 1); next <= lastTarget; next++)
            {
                labels[offset + next - 1] = ids[next];
                targets++;
            }
        }

        return new Batch(
            batchSize, seqLen, inputIds, labels, lengths, targets, exampleIndices.ToArray(), candidateIndices?.ToArray());
    }

    /// <summary>Collates the rows <c>dataset[i]</c> for the indices of one planned batch (e.g. from <see cref="LengthBucketSampler"/>).</summary>
    /// <param name="dataset">All tokenized examples.</param>
    /// <param name="batchIndices">Indices into <paramref name="dataset"/>; they become <see cref="Batch.ExampleIndices"/>.</param>
    /// <param name="padId">Padding token id.</param>
    /// <param name="includeEosInTargets">True for training (EOS is learned).</param>
    public static Batch FromPlan(IReadOnlyList<TokenizedExample> dataset, int[] batchIndices, int padId, bool includeEosInTargets = true)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(batchIndices);
        var rows = batchIndices.Select(i => dataset[i]).ToArray();
        return Collate(rows, batchIndices, padId, includeEosInTargets);
    }

    /// <summary>
    /// Rows <paramref name="start"/>..<paramref name="start"/> + <paramref name="count"/> - 1 of <paramref name="batch"/>
    /// as a batch of their own, padded only to their longest row (a micro-batch of gradient accumulation). Ids, labels
    /// and indices are the batch's own, so the micro-batches' target tokens together are exactly the batch's.
    /// </summary>
    /// <param name="batch">A collated batch.</param>
    /// <param name="start">First row.</param>
    /// <param name="count">Number of rows (at least one).</param>
    public static Batch Slice(Batch batch, int start, int count)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + count, batch.BatchSize);
        var lengths = batch.Lengths.AsSpan(start, count).ToArray();
        var seqLen = lengths.Max();
        var inputIds = new long[count * seqLen];
        var labels = new long[count * seqLen];
        var targets = 0;
        for (var b = 0; b < count; b++)
        {
            var from = (start + b) * batch.SequenceLength;
            batch.InputIds.AsSpan(from, seqLen).CopyTo(inputIds.AsSpan(b * seqLen));
            batch.Labels.AsSpan(from, seqLen).CopyTo(labels.AsSpan(b * seqLen));
            foreach (var label in labels.AsSpan(b * seqLen, seqLen))
            {
                targets += label == Batch.IgnoreIndex ? 0 : 1;
            }
        }

        return new Batch(count, seqLen, inputIds, labels, lengths, targets, batch.ExampleIndices.AsSpan(start, count).ToArray(),
            batch.CandidateIndices?.AsSpan(start, count).ToArray());
    }
}
