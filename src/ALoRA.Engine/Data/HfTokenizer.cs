using Tokenizers.DotNet;

namespace ALoRA.Engine.Data;

/// <summary>
/// <see cref="ITextTokenizer"/> over a Hugging Face <c>tokenizer.json</c>, via Tokenizers.DotNet (native HF tokenizers).
/// Vocabulary size and special ids come from the JSON itself (max id over <c>model.vocab</c> and <c>added_tokens</c>, + 1;
/// <c>&lt;s&gt;</c>/<c>&lt;/s&gt;</c> from <c>added_tokens</c>, else <c>bos_token</c>/<c>eos_token</c> of the
/// <c>tokenizer_config.json</c> next to it); PAD is a pad token if one exists, otherwise EOS.
/// The native tokenizer's own BOS (added by the post-processor) is stripped by <see cref="EncodeWithoutBos"/>.
/// Not thread-safe: use one instance per thread.
/// </summary>
public sealed class HfTokenizer : ITextTokenizer, IDisposable
{
    private readonly Tokenizer _native;
    private readonly bool _nativeAddsBos;
    private bool _disposed;

    private HfTokenizer(string path, Tokenizer native, TokenizerJsonInfo info)
    {
        TokenizerPath = path;
        _native = native;
        VocabSize = info.VocabSize;
        BosId = info.BosId;
        EosId = info.EosId;
        PadId = info.PadId;
        var empty = native.Encode(string.Empty);
        _nativeAddsBos = empty.Length > 0 && empty[0] == (uint)BosId;
    }

    /// <summary>The <c>tokenizer.json</c> path this tokenizer was loaded from (as passed to <see cref="Load"/>).</summary>
    public string TokenizerPath { get; }

    /// <inheritdoc />
    public int VocabSize { get; }

    /// <inheritdoc />
    public int BosId { get; }

    /// <inheritdoc />
    public int EosId { get; }

    /// <inheritdoc />
    public int PadId { get; }

    /// <summary>Loads a tokenizer; a missing, corrupt or unusable file is a <see cref="DataFormatException"/> naming it.</summary>
    /// <param name="tokenizerJsonPath">Path of the <c>tokenizer.json</c>.</param>
    public static HfTokenizer Load(string tokenizerJsonPath)
    {
        ArgumentNullException.ThrowIfNull(tokenizerJsonPath);
        var info = TokenizerJsonInfo.Read(tokenizerJsonPath);
        Tokenizer native;
        try
        {
            native = new Tokenizer(vocabPath: tokenizerJsonPath);
        }
        catch (Exception ex) when (ex is TokenizerException or ArgumentException or IOException)
        {
            throw new DataFormatException($"{tokenizerJsonPath}: not a loadable Hugging Face tokenizer: {ex.Message}", ex)
            { FilePath = tokenizerJsonPath };
        }

        return new HfTokenizer(tokenizerJsonPath, native, info);
    }

    /// <inheritdoc />
    public int[] EncodeWithoutBos(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var ids = _native.Encode(text);
        var skip = _nativeAddsBos && ids.Length > 0 && ids[0] == (uint)BosId ? 1 : 0;
        var result = new int[ids.Length - skip];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = checked((int)ids[i + skip]);
        }

        return result;
    }

    /// <inheritdoc />
    public string Decode(IReadOnlyList<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var native = new uint[ids.Count];
        for (var i = 0; i < native.Length; i++)
        {
            if (ids[i] < 0 || ids[i] >= VocabSize)
            {
                throw new ArgumentOutOfRangeException(nameof(ids), $"token id {ids[i]} at position {i} is outside [0, {VocabSize})");
            }

            native[i] = (uint)ids[i];
        }

        return _native.Decode(native);
    }

    /// <summary>
    /// Checks that every id this tokenizer can produce indexes the model's embedding table.
    /// Throws a <see cref="DataFormatException"/> naming the tokenizer file when
    /// <see cref="VocabSize"/> exceeds <paramref name="modelVocabSize"/>. A smaller tokenizer vocabulary is allowed.
    /// </summary>
    /// <param name="modelVocabSize">The model's <c>vocab_size</c> (rows of the embedding).</param>
    /// <param name="modelDir">The model directory, for the message.</param>
    public void EnsureFits(int modelVocabSize, string modelDir)
    {
        if (VocabSize > modelVocabSize)
        {
            throw new DataFormatException(
                $"{TokenizerPath}: tokenizer vocabulary size {VocabSize} exceeds the vocabulary size {modelVocabSize} of the model in {modelDir}; "
                + "token ids could index past the embedding table")
            { FilePath = TokenizerPath };
        }
    }

    /// <summary>Releases the native tokenizer.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _native.Dispose();
        }
    }
}
