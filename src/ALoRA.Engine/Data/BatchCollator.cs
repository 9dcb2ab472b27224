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
}
