using System.Text.Json;

namespace ALoRA.Engine.Data;

/// <summary>
/// Metadata read from a Hugging Face <c>tokenizer.json</c> (and optionally the <c>tokenizer_config.json</c>
/// next to it): vocabulary size and the BOS/EOS/PAD ids. Tokenizers.DotNet exposes none of these.
/// Each special id is resolved, in order, from a well-known name in <c>added_tokens</c> (<c>&lt;s&gt;</c>,
/// <c>&lt;/s&gt;</c>, <c>&lt;pad&gt;</c>, ...), then from <c>tokenizer_config.json</c>'s <c>bos_token</c>/
/// <c>eos_token</c>/<c>pad_token</c>, then from a well-known name in <c>model.vocab</c>; PAD defaults to EOS.
/// </summary>
internal sealed record TokenizerJsonInfo(int VocabSize, int BosId, int EosId, int PadId)
{
    private static readonly string[] BosNames = ["<s>", "<|begin_of_text|>", "<bos>"];
    private static readonly string[] EosNames = ["</s>", "<|end_of_text|>", "<eos>", "<|endoftext|>"];
    private static readonly string[] PadNames = ["<pad>", "<|pad|>", "[PAD]"];

    /// <summary>Reads the metadata; every failure is a <see cref="DataFormatException"/> naming the file.</summary>
    public static TokenizerJsonInfo Read(string tokenizerJsonPath)
    {
        var (tokens, added) = ReadTokenIds(tokenizerJsonPath);
        if (tokens.Count == 0)
        {
            throw new DataFormatException($"{tokenizerJsonPath}: no tokens in \"model.vocab\" or \"added_tokens\"")
            { FilePath = tokenizerJsonPath };
        }

        var vocabSize = tokens.Values.Max() + 1;
        var configPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(tokenizerJsonPath)) ?? ".", "tokenizer_config.json");
        var config = File.Exists(configPath) ? ReadConfigTokens(configPath) : new Dictionary<string, string>();

        int? Resolve(string role, string[] knownNames)
        {
            foreach (var name in knownNames)
            {
                if (added.TryGetValue(name, out var id))
                {
                    return id;
                }
            }

            if (config.TryGetValue(role, out var configured))
            {
                if (tokens.TryGetValue(configured, out var id))
                {
                    return id;
                }

                throw new DataFormatException(
                    $"{configPath}: field \"{role}\" names token \"{configured}\", which is not in {tokenizerJsonPath}")
                { FilePath = configPath, Field = role };
            }

            foreach (var name in knownNames)
            {
                if (tokens.TryGetValue(name, out var id))
                {
                    return id;
                }
            }

            return null;
        }

        var bos = Resolve("bos_token", BosNames)
            ?? throw new DataFormatException($"{tokenizerJsonPath}: no BOS token (\"<s>\") in \"added_tokens\" and no \"bos_token\" in {configPath}")
            { FilePath = tokenizerJsonPath };
        var eos = Resolve("eos_token", EosNames)
            ?? throw new DataFormatException($"{tokenizerJsonPath}: no EOS token (\"</s>\") in \"added_tokens\" and no \"eos_token\" in {configPath}")
            { FilePath = tokenizerJsonPath };
        var pad = Resolve("pad_token", PadNames) ?? eos;
        return new TokenizerJsonInfo(vocabSize, bos, eos, pad);
    }

    /// <summary>
    /// All token strings with their ids, from <c>model.vocab</c> (object or Unigram array) and <c>added_tokens</c>,
    /// and the added tokens alone.
    /// </summary>
    private static (Dictionary<string, int> All, Dictionary<string, int> Added) ReadTokenIds(string path)
    {
        using var doc = ParseJson(path);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new DataFormatException($"{path}: expected a JSON object at the top level, got {root.ValueKind}") { FilePath = path };
        }

        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var addedIds = new Dictionary<string, int>(StringComparer.Ordinal);
        if (root.TryGetProperty("model", out var model) && model.ValueKind == JsonValueKind.Object
            && model.TryGetProperty("vocab", out var vocab))
        {
            if (vocab.ValueKind == JsonValueKind.Object)
            {
                foreach (var entry in vocab.EnumerateObject())
                {
                    ids[entry.Name] = RequireId(entry.Value, path, $"model.vocab.{entry.Name}");
                }
            }
            else if (vocab.ValueKind == JsonValueKind.Array)
            {
                var index = 0;
                foreach (var entry in vocab.EnumerateArray())
                {
                    if (entry.ValueKind == JsonValueKind.Array && entry.GetArrayLength() > 0
                        && entry[0].ValueKind == JsonValueKind.String)
                    {
                        ids[entry[0].GetString()!] = index;
                    }

                    index++;
                }
            }
        }

        if (root.TryGetProperty("added_tokens", out var added) && added.ValueKind == JsonValueKind.Array)
        {
            foreach (var token in added.EnumerateArray())
            {
                if (token.ValueKind == JsonValueKind.Object && token.TryGetProperty("content", out var content)
                    && content.ValueKind == JsonValueKind.String && token.TryGetProperty("id", out var id))
                {
                    ids[content.GetString()!] = addedIds[content.GetString()!] = RequireId(id, path, "added_tokens.id");
                }
            }
        }

        return (ids, addedIds);
    }

    /// <summary>Reads <c>bos_token</c>/<c>eos_token</c>/<c>pad_token</c> (a string or an object with <c>content</c>).</summary>
    private static Dictionary<string, string> ReadConfigTokens(string path)
    {
        using var doc = ParseJson(path);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            return result;
        }

        foreach (var role in new[] { "bos_token", "eos_token", "pad_token" })
        {
            if (!doc.RootElement.TryGetProperty(role, out var value))
            {
                continue;
            }

            if (value.ValueKind == JsonValueKind.String)
            {
                result[role] = value.GetString()!;
            }
            else if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty("content", out var content)
                && content.ValueKind == JsonValueKind.String)
            {
                result[role] = content.GetString()!;
            }
        }

        return result;
    }

    private static int RequireId(JsonElement value, string path, string field)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var id) || id < 0)
        {
            throw new DataFormatException($"{path}: field \"{field}\" must be a non-negative integer token id, got {value.GetRawText()}")
            { FilePath = path, Field = field };
        }

        return id;
    }

    private static JsonDocument ParseJson(string path)
    {
        if (!File.Exists(path))
        {
            throw new DataFormatException($"{path}: file not found") { FilePath = path };
        }

        try
        {
            using var stream = File.OpenRead(path);
            return JsonDocument.Parse(stream);
        }
        catch (JsonException ex)
        {
            var line = (int)(ex.LineNumber ?? 0) + 1;
            throw new DataFormatException($"{path} line {line}: invalid JSON: {ex.Message}", ex) { FilePath = path, Line = line };
        }
    }
}
