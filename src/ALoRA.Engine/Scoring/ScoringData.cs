using System.Text.Json;
using ALoRA.Engine.Data;

namespace ALoRA.Engine.Scoring;

/// <summary>
/// Builds the validation batch for <c>alora score</c> from either JSONL task examples (scored on their response
/// tokens and EOS, tokenised by <see cref="PromptTokenizer"/>) or a pre-tokenised JSON file
/// <c>{"input_ids": [[...], ...]}</c> of equal-length sequences (plain next-token cross-entropy over every position
/// of every sequence: no BOS added, nothing masked).
/// </summary>
public static class ScoringData
{
    /// <summary>
    /// Reads <paramref name="path"/> as a pre-tokenised file when it is one (not <c>.jsonl</c>, and a single JSON
    /// object with <c>input_ids</c>); returns null otherwise, so the caller reads it as JSONL. The file is read once;
    /// the first <paramref name="maxRows"/> sequences form the batch.
    /// </summary>
    public static Batch? TryReadPreTokenized(string path, int vocabSize, int? maxRows = null)
    {
        if (path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException)
        {
            return null;
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("input_ids", out var rows))
            {
                return null;
            }

            if (rows.ValueKind != JsonValueKind.Array || rows.GetArrayLength() == 0)
            {
                throw new DataFormatException($"{path}: field \"input_ids\" must be a non-empty array of token-id arrays");
            }

            return FromRows(path, rows, vocabSize, maxRows);
        }
    }

    private static Batch FromRows(string path, JsonElement rows, int vocabSize, int? maxRows)
    {
        var sequences = new List<int[]>();
        foreach (var row in rows.EnumerateArray().Take(maxRows ?? int.MaxValue))
        {
            var index = sequences.Count;
            if (row.ValueKind != JsonValueKind.Array)
            {
                throw new DataFormatException($"{path}: input_ids[{index}] must be an array of token ids");
            }

            var ids = row.EnumerateArray().Select(e => e.TryGetInt32(out var v) ? v : -1).ToArray();
            var bad = Array.FindIndex(ids, v => v < 0 || v >= vocabSize);
            if (bad >= 0)
            {
                throw new DataFormatException($"{path}: input_ids[{index}][{bad}] is not a token id of this model (vocabulary {vocabSize})");
            }

            if (ids.Length < 2)
            {
                throw new DataFormatException($"{path}: input_ids[{index}] needs at least 2 tokens");
            }

            if (sequences.Count > 0 && ids.Length != sequences[0].Length)
            {
                throw new DataFormatException($"{path}: input_ids[{index}] has {ids.Length} tokens but input_ids[0] has {sequences[0].Length}; sequences must have equal length");
            }

            sequences.Add(ids);
        }

        // ResponseStart = 1: every position from the second token on is a target (plain next-token CE).
        var tokenized = sequences.Select(s => new TokenizedExample(s, 1)).ToList();
        return BatchCollator.Collate(tokenized, Enumerable.Range(0, tokenized.Count).ToArray(), padId: 0);
    }

    /// <summary>The first <paramref name="maxRows"/> examples of a JSONL file, scored on their responses (and EOS).</summary>
    public static Batch FromJsonl(string path, ITaskTemplate task, ITextTokenizer tokenizer, int maxRows, int maxSequenceLength = 256)
    {
        var examples = JsonlReader.Read(path, task, maxRows);
        var prompts = new PromptTokenizer(tokenizer);
        return BatchCollator.Collate(prompts.TokenizeAll(examples, maxSequenceLength), Enumerable.Range(0, examples.Count).ToArray(), tokenizer.PadId);
    }
}
