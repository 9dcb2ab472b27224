namespace ALoRA.Engine.Data;

/// <summary>
/// The one definition of how an example becomes tokens.
/// <para>
/// Sequence = <c>[BOS] + EncodeWithoutBos(prompt) + EncodeWithoutBos(response) + [EOS]</c>.
/// The response starts at index <c>ResponseStart = 1 + prompt token count</c>. The tokenizer's prepended
/// "▁" means the response is encoded as a new word (like a space between prompt and response).
/// Loss targets are the response tokens AND the EOS, i.e. positions <c>t &gt;= ResponseStart</c> are predicted
/// from position <c>t - 1</c> (see <see cref="BatchCollator"/> for the shifted labels).
/// </para>
/// <para>
/// Truncation to <c>maxSequenceLength</c>: the response and EOS are never cut; prompt tokens are dropped right
/// after BOS (the start of the prompt text) so the end of the template stays. If even
/// BOS + 1 prompt token + response + EOS does not fit, a <see cref="DataFormatException"/> naming the maximum
/// length (and the example's source) is thrown. An empty prompt keeps zero prompt tokens.
/// </para>
/// </summary>
public sealed class PromptTokenizer
{
    /// <summary>Wraps <paramref name="tokenizer"/>.</summary>
    /// <param name="tokenizer">The text tokenizer (supplies BOS/EOS ids).</param>
    public PromptTokenizer(ITextTokenizer tokenizer)
    {
        Tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
    }

    /// <summary>The underlying text tokenizer.</summary>
    public ITextTokenizer Tokenizer { get; }

    /// <summary>Tokenizes the training target of <paramref name="example"/> (<c>Candidates[Label]</c>).</summary>
    /// <param name="example">The example.</param>
    /// <param name="maxSequenceLength">Maximum total tokens including BOS and EOS.</param>
    public TokenizedExample Tokenize(TaskExample example, int maxSequenceLength)
    {
        ArgumentNullException.ThrowIfNull(example);
        return TokenizeCandidate(example, example.Label, maxSequenceLength);
    }

    /// <summary>Tokenizes <paramref name="example"/> with candidate <paramref name="candidate"/> as the response.</summary>
    /// <param name="example">The example.</param>
    /// <param name="candidate">Index into <see cref="TaskExample.Candidates"/>.</param>
    /// <param name="maxSequenceLength">Maximum total tokens including BOS and EOS.</param>
    public TokenizedExample TokenizeCandidate(TaskExample example, int candidate, int maxSequenceLength)
    {
        ArgumentNullException.ThrowIfNull(example);
        ArgumentOutOfRangeException.ThrowIfNegative(candidate);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(candidate, example.Candidates.Count);
        return Tokenize(example.Prompt, example.Candidates[candidate], maxSequenceLength, example.Source);
    }

    /// <summary>Tokenizes every example's training target.</summary>
    /// <param name="examples">The examples.</param>
    /// <param name="maxSequenceLength">Maximum total tokens including BOS and EOS.</param>
    public IReadOnlyList<TokenizedExample> TokenizeAll(IReadOnlyList<TaskExample> examples, int maxSequenceLength)
    {
        ArgumentNullException.ThrowIfNull(examples);
        var result = new TokenizedExample[examples.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = Tokenize(examples[i], maxSequenceLength);
        }

        return result;
    }

    /// <summary>Tokenizes a prompt/response pair as described on <see cref="PromptTokenizer"/>.</summary>
    /// <param name="prompt">The prompt text.</param>
    /// <param name="response">The response text.</param>
    /// <param name="maxSequenceLength">Maximum total tokens including BOS and EOS.</param>
    /// <param name="source">Where the example came from, for the error message; optional.</param>
    public TokenizedExample Tokenize(string prompt, string response, int maxSequenceLength, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(response);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSequenceLength, 2);
        var promptIds = Tokenizer.EncodeWithoutBos(prompt);
        var responseIds = Tokenizer.EncodeWithoutBos(response);
        var minimum = 2 + responseIds.Length + Math.Min(promptIds.Length, 1);
        if (minimum > maxSequenceLength)
        {
            var where = source is null ? "example" : source;
            throw new DataFormatException(
                $"{where}: response needs {minimum} tokens (BOS + 1 prompt token + {responseIds.Length} response tokens + EOS), "
                + $"more than the maximum sequence length {maxSequenceLength}");
        }

        var keptPrompt = Math.Min(promptIds.Length, maxSequenceLength - 2 - responseIds.Length);
        var ids = new int[2 + keptPrompt + responseIds.Length];
        ids[0] = Tokenizer.BosId;
        Array.Copy(promptIds, promptIds.Length - keptPrompt, ids, 1, keptPrompt);
        Array.Copy(responseIds, 0, ids, 1 + keptPrompt, responseIds.Length);
        ids[^1] = Tokenizer.EosId;
        return new TokenizedExample(ids, 1 + keptPrompt);
    }
}
