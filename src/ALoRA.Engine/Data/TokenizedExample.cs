namespace ALoRA.Engine.Data;

/// <summary>
/// A tokenized training/eval row: <c>[BOS] + prompt + response + [EOS]</c> (see <see cref="PromptTokenizer"/>).
/// </summary>
/// <param name="InputIds">All token ids of the sequence, BOS first and EOS last.</param>
/// <param name="ResponseStart">Index of the first response token (= 1 + number of prompt tokens kept).</param>
public sealed record TokenizedExample(int[] InputIds, int ResponseStart)
{
    /// <summary>Sequence length, <c>InputIds.Length</c>.</summary>
    public int Length => InputIds.Length;
}
