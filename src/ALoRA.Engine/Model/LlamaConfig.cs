using System.Text.Json;

namespace ALoRA.Engine.Model;

/// <summary>
/// The LLaMA architecture hyper-parameters, as in a Hugging Face <c>config.json</c> (same field names).
/// </summary>
public sealed record LlamaConfig
{
    /// <summary>hidden_size: model width.</summary>
    public required int HiddenSize { get; init; }

    /// <summary>intermediate_size: SwiGLU width.</summary>
    public required int IntermediateSize { get; init; }

    /// <summary>num_hidden_layers.</summary>
    public required int NumHiddenLayers { get; init; }

    /// <summary>num_attention_heads (query heads).</summary>
    public required int NumAttentionHeads { get; init; }

    /// <summary>num_key_value_heads (grouped-query attention); defaults to num_attention_heads.</summary>
    public required int NumKeyValueHeads { get; init; }

    /// <summary>head_dim; defaults to hidden_size / num_attention_heads.</summary>
    public required int HeadDim { get; init; }

    /// <summary>vocab_size.</summary>
    public required int VocabSize { get; init; }

    /// <summary>max_position_embeddings.</summary>
    public int MaxPositionEmbeddings { get; init; } = 2048;

    /// <summary>rms_norm_eps.</summary>
    public double RmsNormEps { get; init; } = 1e-6;

    /// <summary>rope_theta.</summary>
    public double RopeTheta { get; init; } = 10000.0;

    /// <summary>tie_word_embeddings: the LM head shares the embedding matrix.</summary>
    public bool TieWordEmbeddings { get; init; }

    /// <summary>attention_bias: q/k/v/o projections have biases.</summary>
    public bool AttentionBias { get; init; }

    /// <summary>mlp_bias: gate/up/down projections have biases.</summary>
    public bool MlpBias { get; init; }

    /// <summary>bos_token_id.</summary>
    public int BosTokenId { get; init; } = 1;

    /// <summary>eos_token_id.</summary>
    public int EosTokenId { get; init; } = 2;

    /// <summary>torch_dtype of the stored weights (informational).</summary>
    public string TorchDtype { get; init; } = "float32";

    /// <summary>Reads and validates a Hugging Face <c>config.json</c>.</summary>
    /// <exception cref="ModelLoadException">The file is missing, not JSON, or a field is missing or invalid (named).</exception>
    public static LlamaConfig Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new ModelLoadException($"{path}: file not found (a Hugging Face model folder needs config.json)");
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException ex)
        {
            throw new ModelLoadException($"{path}: not valid JSON ({ex.Message})", ex);
        }

        using (doc)
        {
            return FromJson(doc.RootElement, path);
        }
    }

    /// <summary>Builds a config from a parsed <c>config.json</c> object; <paramref name="source"/> names it in errors.</summary>
    public static LlamaConfig FromJson(JsonElement root, string source)
    {
        var r = new ConfigReader(root, source);
        var modelType = r.String("model_type", "llama");
        if (modelType is not ("llama" or "mistral"))
        {
            throw new ModelLoadException($"{source}: field \"model_type\" is \"{modelType}\"; only LLaMA-architecture models (llama) are supported");
        }

        var act = r.String("hidden_act", "silu");
        if (act != "silu")
        {
            throw new ModelLoadException($"{source}: field \"hidden_act\" is \"{act}\"; the LLaMA MLP needs \"silu\"");
        }

        if (root.TryGetProperty("rope_scaling", out var scaling) && scaling.ValueKind != JsonValueKind.Null)
        {
            throw new ModelLoadException($"{source}: field \"rope_scaling\" is set; rotary scaling is not supported (it must be null)");
        }

        var hidden = r.PositiveInt("hidden_size");
        var heads = r.PositiveInt("num_attention_heads");
        var config = new LlamaConfig
        {
            HiddenSize = hidden,
            IntermediateSize = r.PositiveInt("intermediate_size"),
            NumHiddenLayers = r.PositiveInt("num_hidden_layers"),
            NumAttentionHeads = heads,
            NumKeyValueHeads = r.PositiveInt("num_key_value_heads", heads),
            HeadDim = r.PositiveInt("head_dim", hidden % heads == 0 ? hidden / heads : 0),
            VocabSize = r.PositiveInt("vocab_size"),
            MaxPositionEmbeddings = r.PositiveInt("max_position_embeddings", 2048),
            RmsNormEps = r.PositiveDouble("rms_norm_eps", 1e-6),
            RopeTheta = r.PositiveDouble("rope_theta", 10000.0),
            TieWordEmbeddings = r.Bool("tie_word_embeddings", false),
            AttentionBias = r.Bool("attention_bias", false),
            MlpBias = r.Bool("mlp_bias", false),
            BosTokenId = r.Int("bos_token_id", 1),
            EosTokenId = r.Int("eos_token_id", 2),
            TorchDtype = r.String("torch_dtype", "float32"),
        };
        config.Validate(source);
        return config;
    }

    /// <summary>Checks the relations between fields; errors name the fields.</summary>
    public void Validate(string source = "config")
    {
        if (NumAttentionHeads % NumKeyValueHeads != 0)
        {
            throw new ModelLoadException($"{source}: \"num_attention_heads\" ({NumAttentionHeads}) must be a multiple of \"num_key_value_heads\" ({NumKeyValueHeads})");
        }

        if (HeadDim <= 0 || HeadDim % 2 != 0)
        {
            throw new ModelLoadException($"{source}: \"head_dim\" ({HeadDim}) must be a positive even number (rotary embeddings rotate pairs)");
        }
    }
}
