namespace ALoRA.Engine.Data;

/// <summary>
/// A text tokenizer as the data pipeline needs it. Implementations must be deterministic.
/// </summary>
public interface ITextTokenizer
{
    /// <summary>Number of token ids (every id produced is in <c>[0, VocabSize)</c>).</summary>
    int VocabSize { get; }

    /// <summary>Beginning-of-sequence token id, placed first in every training/eval sequence.</summary>
    int BosId { get; }

    /// <summary>End-of-sequence token id, appended after every response.</summary>
    int EosId { get; }

    /// <summary>Padding token id used to right-pad batches (never a loss target).</summary>
    int PadId { get; }

    /// <summary>Encodes <paramref name="text"/> without any BOS/EOS special tokens.</summary>
    /// <param name="text">Raw text; may be empty (then the result is empty).</param>
    int[] EncodeWithoutBos(string text);

    /// <summary>Decodes token ids back to text (special tokens are not rendered).</summary>
    /// <param name="ids">Token ids, each in <c>[0, VocabSize)</c>.</param>
    string Decode(IReadOnlyList<int> ids);
}
