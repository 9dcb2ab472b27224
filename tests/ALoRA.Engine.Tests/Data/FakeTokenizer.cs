using ALoRA.Engine.Data;

namespace ALoRA.Engine.Tests.Data;

/// <summary>
/// Word-level test tokenizer: each whitespace-separated word gets a stable id from 3 upwards (first come, first served);
/// PAD = 0, BOS = 1, EOS = 2.
/// </summary>
internal sealed class FakeTokenizer : ITextTokenizer
{
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly List<string> _words = ["<pad>", "<s>", "</s>"];

    public int VocabSize => 1000;

    public int BosId => 1;

    public int EosId => 2;

    public int PadId => 0;

    public int[] EncodeWithoutBos(string text) =>
        text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(IdOf).ToArray();

    public string Decode(IReadOnlyList<int> ids) => string.Join(' ', ids.Select(i => _words[i]));

    public int IdOf(string word)
    {
        if (!_ids.TryGetValue(word, out var id))
        {
            id = _words.Count;
            _ids[word] = id;
            _words.Add(word);
        }

        return id;
    }
}
