using System.Text.Json;
using ALoRA.Engine.Lora;

namespace ALoRA.Engine.Peft;

/// <summary>Parses and checks <c>adapter_config.json</c> (PEFT <c>LoraConfig</c>); errors name the file and field.</summary>
internal static class PeftConfigReader
{
    /// <summary>PEFT's default target modules for LLaMA when target_modules is null.</summary>
    public static readonly IReadOnlyList<string> LlamaDefaultTargets = ["q_proj", "v_proj"];

    public static PeftAdapterSettings Read(string adapterDir)
    {
        var path = Path.Combine(adapterDir, PeftAdapterExporter.ConfigFileName);
        if (!File.Exists(path))
        {
            throw new PeftFormatException($"{path}: file not found (a PEFT adapter folder needs {PeftAdapterExporter.ConfigFileName})");
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException ex)
        {
            throw new PeftFormatException($"{path}: not valid JSON ({ex.Message})", ex);
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new PeftFormatException($"{path}: must be a JSON object");
            }

            var json = new PeftJson(doc.RootElement, path);
            RejectUnsupported(json);
            return Parse(json);
        }
    }

    private static void RejectUnsupported(PeftJson json)
    {
        var peftType = json.String("peft_type");
        if (peftType != "LORA")
        {
            throw json.Error($"field \"peft_type\" is {(peftType is null ? "missing" : $"\"{peftType}\"")}; only \"LORA\" adapters can be imported");
        }

        Reject(json, "use_dora", json.Bool("use_dora", false), "DoRA (weight-decomposed LoRA) is not supported");
        var bias = json.String("bias") ?? "none";
        Reject(json, "bias", bias != "none", $"is \"{bias}\"; only \"none\" is supported (the engine trains no biases)");
        Reject(json, "fan_in_fan_out", json.Bool("fan_in_fan_out", false), "true (Conv1D-style transposed weights) is not supported");
        Reject(json, "lora_bias", json.Bool("lora_bias", false), "true (a bias on lora_B) is not supported");
        Reject(json, "use_qalora", json.Bool("use_qalora", false), "true (QA-LoRA) is not supported");
        foreach (var name in new[] { "modules_to_save", "layers_to_transform", "layer_replication", "trainable_token_indices", "target_parameters", "alora_invocation_tokens" })
        {
            var field = json.Field(name);
            var set = field is { } e && !(e.ValueKind == JsonValueKind.Array && e.GetArrayLength() == 0)
                                     && !(e.ValueKind == JsonValueKind.Object && !e.EnumerateObject().Any());
            Reject(json, name, set, $"is {field?.GetRawText()}; only null is supported");
        }
    }

    private static void Reject(PeftJson json, string field, bool unsupported, string why)
    {
        if (unsupported)
        {
            throw json.Error($"field \"{field}\" {why}");
        }
    }

    private static PeftAdapterSettings Parse(PeftJson json)
    {
        var targets = json.ListOrString("target_modules", out var targetText);
        var excludes = json.ListOrString("exclude_modules", out var excludeRegex);
        var ranks = json.Map("rank_pattern", json.ToInt);
        foreach (var (key, rank) in ranks.Where(p => p.Value < 1))
        {
            throw json.Error($"field \"rank_pattern\"['{key}'] is {rank}; PEFT requires ranks >= 1");
        }

        var config = new LoraConfig
        {
            R = json.Int("r", 8),
            LoraAlpha = json.Double("lora_alpha", 8),
            LoraDropout = json.Double("lora_dropout", 0),
            TargetModules = targetText == "all-linear" ? ["all-linear"] : targets ?? (targetText is null ? LlamaDefaultTargets : []),
            TargetModulesRegex = targetText == "all-linear" ? null : targetText,
            ExcludeModules = excludes ?? [],
            RankPattern = ToDictionary(ranks),
            AlphaPattern = ToDictionary(json.Map("alpha_pattern", json.ToDouble)),
        };
        try
        {
            config.Validate();
        }
        catch (ArgumentException ex)
        {
            throw json.Error(ex.Message);
        }

        return new PeftAdapterSettings(config, json.Bool("use_rslora", false), excludeRegex, json.Path);
    }

    private static Dictionary<string, T> ToDictionary<T>(List<KeyValuePair<string, T>> pairs)
    {
        // Insertion order is kept: the first matching pattern wins, as in PEFT.
        var result = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var (key, value) in pairs)
        {
            result[key] = value;
        }

        return result;
    }
}
