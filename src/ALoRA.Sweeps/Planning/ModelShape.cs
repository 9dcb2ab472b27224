using System.Text.Json;

namespace ALoRA.Sweeps.Planning;

/// <summary>
/// The sizes of a LLaMA model that its memory and scoring cost depend on, read from its Hugging Face
/// <c>config.json</c> with the engine's defaults (same field names), without the engine: <c>alora plan</c> runs in the
/// thin client, which carries no TorchSharp. The engine's own reader (<c>LlamaConfig</c>) checks the rest of the file
/// when a trainer loads the model; a test keeps the two readings equal.
/// </summary>
public sealed record ModelShape
{
    /// <summary>hidden_size.</summary>
    public required int HiddenSize { get; init; }

    /// <summary>intermediate_size.</summary>
    public required int IntermediateSize { get; init; }

    /// <summary>num_hidden_layers.</summary>
    public required int NumHiddenLayers { get; init; }

    /// <summary>num_attention_heads.</summary>
    public required int NumAttentionHeads { get; init; }

    /// <summary>num_key_value_heads (default: num_attention_heads).</summary>
    public required int NumKeyValueHeads { get; init; }

    /// <summary>head_dim (default: hidden_size / num_attention_heads).</summary>
    public required int HeadDim { get; init; }

    /// <summary>vocab_size.</summary>
    public required int VocabSize { get; init; }

    /// <summary>max_position_embeddings (default 2048).</summary>
    public int MaxPositionEmbeddings { get; init; } = 2048;

    /// <summary>tie_word_embeddings.</summary>
    public bool TieWordEmbeddings { get; init; }

    /// <summary>attention_bias.</summary>
    public bool AttentionBias { get; init; }

    /// <summary>mlp_bias.</summary>
    public bool MlpBias { get; init; }

    /// <summary>
    /// The base model's parameters: the embeddings, the output head unless tied, every decoder layer's projections,
    /// norms and biases, and the final norm (the shapes the engine's <c>LlamaWeightShapes</c> expects, summed).
    /// </summary>
    public long BaseParameters
    {
        get
        {
            var (hidden, inter) = ((long)HiddenSize, (long)IntermediateSize);
            var q = (long)NumAttentionHeads * HeadDim;
            var kv = (long)NumKeyValueHeads * HeadDim;
            var perLayer = (2 * hidden) + (2 * hidden * q) + (2 * hidden * kv) + (3 * hidden * inter)
                + (AttentionBias ? q + (2 * kv) + hidden : 0) + (MlpBias ? (2 * inter) + hidden : 0);
            return (VocabSize * hidden * (TieWordEmbeddings ? 1 : 2)) + hidden + (NumHiddenLayers * perLayer);
        }
    }

    /// <summary>
    /// The input and output features of the LLaMA projection <paramref name="module"/> (<c>q_proj</c> ... <c>down_proj</c>),
    /// the shapes its LoRA A and B adapt.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="module"/> is not a LLaMA projection.</exception>
    public (long In, long Out) ProjectionFeatures(string module)
    {
        var (hidden, inter) = ((long)HiddenSize, (long)IntermediateSize);
        var q = (long)NumAttentionHeads * HeadDim;
        var kv = (long)NumKeyValueHeads * HeadDim;
        return module switch
        {
            "q_proj" => (hidden, q),
            "k_proj" or "v_proj" => (hidden, kv),
            "o_proj" => (q, hidden),
            "gate_proj" or "up_proj" => (hidden, inter),
            "down_proj" => (inter, hidden),
            _ => throw new ArgumentException($"'{module}' is not a LLaMA projection", nameof(module)),
        };
    }

    /// <summary>Reads a model folder's <c>config.json</c>.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">It is not JSON, or a size is missing or not a positive integer (named).</exception>
    public static ModelShape Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: file not found (a Hugging Face model folder needs config.json)", path);
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            return FromJson(doc.RootElement, path);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({ex.Message})", ex);
        }
    }

    /// <summary>Reads a parsed <c>config.json</c>; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">A size is missing or not a positive integer (named).</exception>
    public static ModelShape FromJson(JsonElement root, string source)
    {
        var hidden = Positive(root, source, "hidden_size", null);
        var heads = Positive(root, source, "num_attention_heads", null);
        return new ModelShape
        {
            HiddenSize = hidden,
            IntermediateSize = Positive(root, source, "intermediate_size", null),
            NumHiddenLayers = Positive(root, source, "num_hidden_layers", null),
            NumAttentionHeads = heads,
            NumKeyValueHeads = Positive(root, source, "num_key_value_heads", heads),
            HeadDim = Positive(root, source, "head_dim", hidden % heads == 0 ? hidden / heads : null),
            VocabSize = Positive(root, source, "vocab_size", null),
            MaxPositionEmbeddings = Positive(root, source, "max_position_embeddings", 2048),
            TieWordEmbeddings = Flag(root, "tie_word_embeddings"),
            AttentionBias = Flag(root, "attention_bias"),
            MlpBias = Flag(root, "mlp_bias"),
        };
    }

    private static int Positive(JsonElement root, string source, string field, int? fallback)
    {
        if (!root.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return fallback ?? throw new InvalidDataException($"{source}: field \"{field}\" is missing");
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n > 0
            ? n
            : throw new InvalidDataException($"{source}: field \"{field}\" must be a positive integer");
    }

    private static bool Flag(JsonElement root, string field) =>
        root.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.True;
}
