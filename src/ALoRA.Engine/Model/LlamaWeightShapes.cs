using System.Globalization;
using ALoRA.Engine.SafeTensors;

namespace ALoRA.Engine.Model;

/// <summary>
/// The tensors a LLaMA <c>config.json</c> implies, by Hugging Face name and shape, computed from the config alone, and
/// the check of a model folder's safetensors headers against them. The loader runs the check before it builds the
/// model, so a config that claims a larger model than its weights fails on header reads without allocating anything
/// of the claimed size (docs/engine-notes.md, "Loading a model").
/// </summary>
public static class LlamaWeightShapes
{
    /// <summary>Every tensor <paramref name="config"/> implies, with its shape; <c>lm_head.weight</c> is absent when tied.</summary>
    /// <param name="config">A validated config.</param>
    public static IReadOnlyDictionary<string, long[]> Expected(LlamaConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        long hidden = config.HiddenSize, inter = config.IntermediateSize, vocab = config.VocabSize;
        long q = (long)config.NumAttentionHeads * config.HeadDim, kv = (long)config.NumKeyValueHeads * config.HeadDim;
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal)
        {
            ["model.embed_tokens.weight"] = [vocab, hidden],
            ["model.norm.weight"] = [hidden],
        };
        if (!config.TieWordEmbeddings)
        {
            shapes["lm_head.weight"] = [vocab, hidden];
        }

        for (var i = 0; i < config.NumHiddenLayers; i++)
        {
            var layer = string.Create(CultureInfo.InvariantCulture, $"model.layers.{i}");
            shapes[$"{layer}.input_layernorm.weight"] = [hidden];
            shapes[$"{layer}.post_attention_layernorm.weight"] = [hidden];
            Linear(shapes, $"{layer}.self_attn.q_proj", hidden, q, config.AttentionBias);
            Linear(shapes, $"{layer}.self_attn.k_proj", hidden, kv, config.AttentionBias);
            Linear(shapes, $"{layer}.self_attn.v_proj", hidden, kv, config.AttentionBias);
            Linear(shapes, $"{layer}.self_attn.o_proj", q, hidden, config.AttentionBias);
            Linear(shapes, $"{layer}.mlp.gate_proj", hidden, inter, config.MlpBias);
            Linear(shapes, $"{layer}.mlp.up_proj", hidden, inter, config.MlpBias);
            Linear(shapes, $"{layer}.mlp.down_proj", inter, hidden, config.MlpBias);
        }

        return shapes;
    }

    /// <summary>
    /// Reads only the headers of the weight files and checks that every tensor <paramref name="config"/> implies is
    /// stored with the implied shape.
    /// </summary>
    /// <param name="config">The model's config.</param>
    /// <param name="configPath">Path of <c>config.json</c>, for messages.</param>
    /// <param name="weightMap">Stored tensor name to the file that holds it.</param>
    /// <exception cref="ModelLoadException">A tensor is missing or has another shape; the message names config.json, the tensor and both shapes.</exception>
    public static void Check(LlamaConfig config, string configPath, IReadOnlyDictionary<string, string> weightMap)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weightMap);
        if (config.NumHiddenLayers > weightMap.Count)
        {
            // Each layer has nine tensors: a config claiming more layers than there are tensors is refused before the
            // expected names are listed (a hostile layer count would make that list itself huge).
            var firstMissing = Enumerable.Range(0, config.NumHiddenLayers)
                .First(i => !weightMap.ContainsKey(string.Create(CultureInfo.InvariantCulture, $"model.layers.{i}.input_layernorm.weight")));
            throw new ModelLoadException(
                $"weights in {string.Join(", ", weightMap.Values.Distinct().Select(Path.GetFileName))} do not fit {configPath} ({config.NumHiddenLayers} layers, hidden {config.HiddenSize}): " +
                $"missing tensors: model.layers.{firstMissing.ToString(CultureInfo.InvariantCulture)}.input_layernorm.weight and the other tensors of layers {firstMissing.ToString(CultureInfo.InvariantCulture)} to {(config.NumHiddenLayers - 1).ToString(CultureInfo.InvariantCulture)}");
        }

        var expected = Expected(config);
        var missing = expected.Keys.Where(n => !weightMap.ContainsKey(n)).OrderBy(n => n, StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            var files = string.Join(", ", weightMap.Values.Distinct().Select(Path.GetFileName));
            throw new ModelLoadException(
                $"weights in {files} do not fit {configPath} ({config.NumHiddenLayers} layers, hidden {config.HiddenSize}): missing tensors: " +
                (missing.Count <= 6 ? string.Join(", ", missing) : $"{string.Join(", ", missing.Take(6))} and {missing.Count - 6} more"));
        }

        foreach (var group in weightMap.Where(p => expected.ContainsKey(p.Key)).GroupBy(p => p.Value))
        {
            SafeTensorsFile file;
            try
            {
                file = SafeTensorsFile.Open(group.Key);
            }
            catch (SafeTensorsFormatException ex)
            {
                throw new ModelLoadException(ex.Message, ex);
            }

            using (file)
            {
                foreach (var (name, _) in group.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (!file.Tensors.TryGetValue(name, out var info))
                    {
                        throw new ModelLoadException($"{group.Key}: no tensor named '{name}', which {configPath} implies");
                    }

                    var shape = expected[name];
                    if (!info.Shape.SequenceEqual(shape))
                    {
                        throw new ModelLoadException(
                            $"{group.Key}: tensor '{name}' has shape [{string.Join(", ", info.Shape)}] but {configPath} implies [{string.Join(", ", shape)}]: the config does not describe these weights");
                    }
                }
            }
        }
    }

    private static void Linear(Dictionary<string, long[]> shapes, string path, long inFeatures, long outFeatures, bool bias)
    {
        shapes[path + ".weight"] = [outFeatures, inFeatures];
        if (bias)
        {
            shapes[path + ".bias"] = [outFeatures];
        }
    }
}
