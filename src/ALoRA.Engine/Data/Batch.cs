namespace ALoRA.Engine.Data;

/// <summary>
/// A collated batch as plain row-major arrays (<c>[BatchSize, SequenceLength]</c>), ready to become tensors.
/// Rows are right-padded with the pad id; <see cref="Labels"/> are already shifted for next-token prediction:
/// <c>Labels[b, t] = InputIds[b, t + 1]</c> when position <c>t + 1</c> is a target (response token, or EOS when
/// EOS is included) and <c>t + 1 &lt; Lengths[b]</c>, else <see cref="IgnoreIndex"/> (-100). Logits at position t
/// are therefore compared directly with <c>Labels[b, t]</c>, no further shifting.
/// </summary>
/// <param name="BatchSize">Number of rows B.</param>
/// <param name="SequenceLength">Padded length T = the longest row of this batch.</param>
/// <param name="InputIds">B*T token ids, right-padded with the pad id.</param>
/// <param name="Labels">B*T shifted targets, <see cref="IgnoreIndex"/> where there is no target.</param>
/// <param name="Lengths">Unpadded length of each row.</param>
/// <param name="TargetTokenCount">Number of entries of <see cref="Labels"/> that are not <see cref="IgnoreIndex"/>.</param>
/// <param name="ExampleIndices">For each row, the index of its example in the source list.</param>
/// <param name="CandidateIndices">For candidate-scoring batches, each row's candidate index; otherwise null.</param>
public sealed record Batch(
    int BatchSize,
    int SequenceLength,
    long[] InputIds,
    long[] Labels,
    int[] Lengths,
    int TargetTokenCount,
    int[] ExampleIndices,
    int[]? CandidateIndices = null)
{
    /// <summary>The label value meaning "no target here" (PyTorch's cross-entropy default ignore_index).</summary>
    public const long IgnoreIndex = -100;
}
