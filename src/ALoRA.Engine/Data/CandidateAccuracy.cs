namespace ALoRA.Engine.Data;

/// <summary>
/// Classification accuracy from per-row candidate scores (rows as produced by <see cref="CandidateBatchBuilder"/>).
/// Rule: each example's prediction is the candidate with the highest mean per-token log-likelihood of its
/// response tokens (EOS excluded); ties go to the lower candidate index; accuracy = fraction of examples whose
/// prediction equals <see cref="TaskExample.Label"/>.
/// </summary>
public static class CandidateAccuracy
{
    /// <summary>Accuracy in [0, 1] (0 for an empty example list).</summary>
    /// <param name="exampleIdx">Row → example index (concatenate <see cref="Batch.ExampleIndices"/> over batches).</param>
    /// <param name="candidateIdx">Row → candidate index (concatenate <see cref="Batch.CandidateIndices"/>).</param>
    /// <param name="meanLogLik">Row → mean log-likelihood of the candidate's response tokens.</param>
    /// <param name="examples">The evaluated examples.</param>
    public static double Compute(int[] exampleIdx, int[] candidateIdx, double[] meanLogLik, IReadOnlyList<TaskExample> examples)
    {
        var predictions = Predict(exampleIdx, candidateIdx, meanLogLik, examples);
        if (predictions.Length == 0)
        {
            return 0.0;
        }

        var correct = 0;
        for (var e = 0; e < predictions.Length; e++)
        {
            correct += predictions[e] == examples[e].Label ? 1 : 0;
        }

        return (double)correct / predictions.Length;
    }

    /// <summary>
    /// Predicted candidate per example. Every (example, candidate) pair must be scored exactly once and no score may
    /// be NaN; otherwise <see cref="ArgumentException"/>.
    /// </summary>
    /// <param name="exampleIdx">Row → example index.</param>
    /// <param name="candidateIdx">Row → candidate index.</param>
    /// <param name="meanLogLik">Row → mean log-likelihood.</param>
    /// <param name="examples">The evaluated examples.</param>
    public static int[] Predict(int[] exampleIdx, int[] candidateIdx, double[] meanLogLik, IReadOnlyList<TaskExample> examples)
    {
        ArgumentNullException.ThrowIfNull(exampleIdx);
        ArgumentNullException.ThrowIfNull(candidateIdx);
        ArgumentNullException.ThrowIfNull(meanLogLik);
        ArgumentNullException.ThrowIfNull(examples);
        if (candidateIdx.Length != exampleIdx.Length || meanLogLik.Length != exampleIdx.Length)
        {
            throw new ArgumentException(
                $"row arrays differ in length: {exampleIdx.Length} example, {candidateIdx.Length} candidate, {meanLogLik.Length} score entries");
        }

        var scores = examples.Select(ex => Enumerable.Repeat(double.NaN, ex.Candidates.Count).ToArray()).ToArray();
        var seen = examples.Select(ex => new bool[ex.Candidates.Count]).ToArray();
        for (var r = 0; r < exampleIdx.Length; r++)
        {
            var (e, c) = (exampleIdx[r], candidateIdx[r]);
            if (e < 0 || e >= examples.Count || c < 0 || c >= examples[e].Candidates.Count)
            {
                throw new ArgumentException($"row {r}: (example {e}, candidate {c}) is out of range");
            }

            if (seen[e][c])
            {
                throw new ArgumentException($"row {r}: (example {e}, candidate {c}) is scored twice");
            }

            if (double.IsNaN(meanLogLik[r]))
            {
                throw new ArgumentException($"row {r}: score of (example {e}, candidate {c}) is NaN");
            }

            seen[e][c] = true;
            scores[e][c] = meanLogLik[r];
        }

        var predictions = new int[examples.Count];
        for (var e = 0; e < examples.Count; e++)
        {
            var missing = Array.IndexOf(seen[e], false);
            if (missing >= 0)
            {
                throw new ArgumentException($"(example {e}, candidate {missing}) has no score");
            }

            var best = 0;
            for (var c = 1; c < scores[e].Length; c++)
            {
                if (scores[e][c] > scores[e][best])
                {
                    best = c;
                }
            }

            predictions[e] = best;
        }

        return predictions;
    }
}
