using System.Text.Json;
using ALoRA.Engine.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace ALoRA.Engine.Model;

/// <summary>
/// Loads a Hugging Face LLaMA model folder: <c>config.json</c> plus <c>model.safetensors</c> or a sharded
/// <c>model.safetensors.index.json</c>. Every stored tensor is checked against the architecture before any is
/// used: missing, unexpected and wrongly shaped tensors fail with messages that name them and their file.
/// </summary>
public static class HfModelLoader
{
    private const string SingleFile = "model.safetensors";
    private const string IndexFile = "model.safetensors.index.json";

    /// <summary>Loads the model in <paramref name="modelDir"/>.</summary>
    /// <exception cref="ModelLoadException">A file is missing or malformed, or the weights do not fit the config.</exception>
    public static LlamaForCausalLM Load(string modelDir, ModelLoadOptions? options = null)
    {
        options ??= new ModelLoadOptions();
        if (!Directory.Exists(modelDir))
        {
            throw new ModelLoadException($"{modelDir}: model folder not found");
        }

        var configPath = Path.Combine(modelDir, "config.json");
        var config = LlamaConfig.Load(configPath);
        var weightMap = ResolveWeightFiles(modelDir);

        // Headers only: a config that claims a larger model than its weights fails here, before the model is built.
        LlamaWeightShapes.Check(config, configPath, weightMap);
        var model = new LlamaForCausalLM(config, options.DType, options.Lora);
        try
        {
            LoadWeights(model, weightMap);
            if (options.Device != "cpu")
            {
                model.to(new Device(options.Device));
            }

            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Maps every stored tensor name to the safetensors file that holds it.</summary>
    public static IReadOnlyDictionary<string, string> ResolveWeightFiles(string modelDir)
    {
        var single = Path.Combine(modelDir, SingleFile);
        var index = Path.Combine(modelDir, IndexFile);
        if (File.Exists(index))
        {
            return ReadIndex(modelDir, index);
        }

        if (!File.Exists(single))
        {
            throw new ModelLoadException($"{modelDir}: no weights found (expected {SingleFile} or {IndexFile})");
        }

        using var file = OpenChecked(single);
        return file.Tensors.Keys.ToDictionary(k => k, _ => single, StringComparer.Ordinal);
    }

    private static Dictionary<string, string> ReadIndex(string modelDir, string indexPath)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(indexPath));
            if (!doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            {
                throw new ModelLoadException($"{indexPath}: missing object field \"weight_map\"");
            }

            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in map.EnumerateObject())
            {
                var shard = entry.Value.GetString() ?? "";
                if (shard.Length == 0 || shard.Contains("..") || Path.IsPathRooted(shard))
                {
                    throw new ModelLoadException($"{indexPath}: weight_map entry '{entry.Name}' names an invalid shard file '{shard}'");
                }

                var shardPath = Path.Combine(modelDir, shard);
                if (!File.Exists(shardPath))
                {
                    throw new ModelLoadException($"{indexPath}: shard '{shard}' (for tensor '{entry.Name}') does not exist");
                }

                result[entry.Name] = shardPath;
            }

            return result;
        }
        catch (JsonException ex)
        {
            throw new ModelLoadException($"{indexPath}: not valid JSON ({ex.Message})", ex);
        }
    }

    private static void LoadWeights(LlamaForCausalLM model, IReadOnlyDictionary<string, string> weightMap)
    {
        // HF name -> parameter; adapted projections hold the base weight at "<path>.base_layer.weight".
        var targets = model.named_parameters()
            .Where(p => !p.name.Contains(".lora_", StringComparison.Ordinal))
            .ToDictionary(p => p.name.Replace(".base_layer.", ".", StringComparison.Ordinal), p => p.parameter, StringComparer.Ordinal);
        var tied = model.Config.TieWordEmbeddings;
        var unexpected = weightMap.Keys
            .Where(n => !targets.ContainsKey(n) && !(tied && n == "lm_head.weight") && !n.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal))
            .OrderBy(n => n, StringComparer.Ordinal).ToList();
        var missing = targets.Keys.Where(n => !weightMap.ContainsKey(n)).OrderBy(n => n, StringComparer.Ordinal).ToList();
        if (tied)
        {
            missing.Remove("lm_head.weight");
        }

        if (missing.Count > 0 || unexpected.Count > 0)
        {
            var files = string.Join(", ", weightMap.Values.Distinct().Select(Path.GetFileName));
            throw new ModelLoadException(
                $"weights in {files} do not fit config.json ({model.Config.NumHiddenLayers} layers, hidden {model.Config.HiddenSize}): " +
                (missing.Count > 0 ? $"missing tensors: {Summarise(missing)}" : "") +
                (missing.Count > 0 && unexpected.Count > 0 ? "; " : "") +
                (unexpected.Count > 0 ? $"unexpected tensors: {Summarise(unexpected)}" : ""));
        }

        foreach (var group in weightMap.Where(p => targets.ContainsKey(p.Key)).GroupBy(p => p.Value))
        {
            using var file = OpenChecked(group.Key);
            foreach (var (name, _) in group)
            {
                var info = file.Tensors[name];
                var target = targets[name];
                if (!info.Shape.SequenceEqual(target.shape))
                {
                    throw new ModelLoadException(
                        $"{group.Key}: tensor '{name}' has shape [{string.Join(", ", info.Shape)}] but config.json implies [{string.Join(", ", target.shape)}]");
                }

                if (info.DType is not ("F32" or "F16" or "BF16" or "F64"))
                {
                    throw new ModelLoadException($"{group.Key}: tensor '{name}' has dtype {info.DType}; weights must be float32, float16 or bfloat16");
                }

                using var stored = file.Read(name);
                using (no_grad())
                {
                    target.copy_(stored);
                }
            }
        }
    }

    private static SafeTensorsFile OpenChecked(string path)
    {
        try
        {
            return SafeTensorsFile.Open(path);
        }
        catch (SafeTensorsFormatException ex)
        {
            throw new ModelLoadException(ex.Message, ex);
        }
    }

    private static string Summarise(IReadOnlyList<string> names) =>
        names.Count <= 6 ? string.Join(", ", names) : $"{string.Join(", ", names.Take(6))} and {names.Count - 6} more";
}
