namespace ALoRA.Engine.Data;

/// <summary>
/// Builds candidate-scoring batches for classification evaluation: every (example, candidate) pair is one row,
/// tokenized with <see cref="PromptTokenizer.TokenizeCandidate"/> and collated with EOS excluded from the targets,
/// so a row's targets are exactly its candidate's response tokens.
/// <para>
/// Accuracy rule (see <see cref="CandidateAccuracy"/>): for each row the trainer computes the mean per-token
/// log-likelihood of the row's targets (all positions whose label is not <see cref="Batch.IgnoreIndex"/>), i.e. the
/// mean log-probability of the candidate's response tokens, EOS excluded; the predicted class of an example is the
/// candidate with the highest mean, ties to the lower candidate index.
/// </para>
/// </summary>
public static class CandidateBatchBuilder
{
    /// <summary>
    /// Returns batches (each with <see cref="Batch.ExampleIndices"/> and <see cref="Batch.CandidateIndices"/> set)
    /// covering every (example, candidate) pair exactly once, ordered longest first (no shuffling).
    /// </summary>
    /// <param name="examples">The evaluation examples (indices into this list become ExampleIndices).</param>
    /// <param name="tokenizer">The prompt tokenizer.</param>
    /// <param name="maxSequenceLength">Maximum total tokens including BOS and EOS.</param>
    /// <param name="batchSize">Rows per batch.</param>
    /// <exception cref="DataFormatException">A candidate tokenizes to no tokens or does not fit.</exception>
    public static IReadOnlyList<Batch> Build(
        IReadOnlyList<TaskExample> examples, PromptTokenizer tokenizer, int maxSequenceLength, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var rows = new List<TokenizedExample>();
        var exampleIdx = new List<int>();
        var candidateIdx = new List<int>();
        for (var e = 0; e < examples.Count; e++)
        {
            for (var c = 0; c < examples[e].Candidates.Count; c++)
            {
                var row = tokenizer.TokenizeCandidate(examples[e], c, maxSequenceLength);
                if (row.Length - 1 - row.ResponseStart < 1)
                {
                    throw new DataFormatException(
                        $"{examples[e].Source ?? $"example {e}"}: candidate {c} (\"{examples[e].Candidates[c]}\") has no tokens to score");
                }

                rows.Add(row);
                exampleIdx.Add(e);
                candidateIdx.Add(c);
            }
        }

        var plan = LengthBucketSampler.PlanEvaluation(rows.Select(r => r.Length).ToArray(), batchSize);
        var padId = tokenizer.Tokenizer.PadId;
        return plan.Select(batch => BatchCollator.Collate(
                batch.Select(i => rows[i]).ToArray(),
                batch.Select(i => exampleIdx[i]).ToArray(),
                padId,
                includeEosInTargets: false,
                candidateIndices: batch.Select(i => candidateIdx[i]).ToArray()))
            .ToArray();
    }
}
