using System.Text.Json;
using System.Text.Json.Nodes;
using ALoRA.Engine.Checkpoints;
using ALoRA.Engine.Lora;
using ALoRA.Engine.Model;
using ALoRA.Engine.SafeTensors;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ALoRA.Engine.Peft;

/// <summary>
/// Writes a model's gated LoRA adapters as a Hugging Face PEFT LoRA adapter folder (<c>adapter_config.json</c> and
/// <c>adapter_model.safetensors</c>) that <c>PeftModel.from_pretrained</c> loads onto the same base model.
/// </summary>
/// <remarks>
/// <para>
/// Scaling: this engine computes <c>y = W x + s B diag(g) A x</c> with <c>s = alpha / r_init</c> fixed per module
/// for the whole run, while ranks are pruned (gate 0) or appended, so the final rank <c>r_final</c> differs from
/// <c>r_init</c>. PEFT computes <c>y = W x + (lora_alpha / r) B A x</c> with <c>r</c> the stored rank. The
/// exporter drops gated-off ranks (so <c>r = r_final</c>) and writes, for every module,
/// <c>rank_pattern[path] = r_final</c> and <c>alpha_pattern[path] = s * r_final</c>, so PEFT's
/// <c>lora_alpha / r</c> equals the engine's <c>s</c> and the adapted model computes the same function.
/// <c>use_rslora</c> is written as false.
/// </para>
/// <para>
/// Modules whose ranks are all gated off have no tensors and are listed in <c>exclude_modules</c>, as are linear
/// layers of an exported type (e.g. <c>q_proj</c>) that the model does not adapt, so PEFT adapts exactly the
/// exported modules. Keys are the full module paths (e.g. <c>model.layers.0.self_attn.q_proj</c>); PEFT matches
/// rank_pattern and alpha_pattern keys as <c>(.*\.)?(key)$</c> and exclude_modules entries exactly.
/// </para>
/// </remarks>
public static class PeftAdapterExporter
{
    /// <summary>The adapter configuration file name.</summary>
    public const string ConfigFileName = "adapter_config.json";

    /// <summary>The adapter weights file name.</summary>
    public const string WeightsFileName = "adapter_model.safetensors";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>
    /// Writes the adapters of <paramref name="model"/> to <paramref name="directory"/> (created if needed; each file
    /// replaced atomically, the weights first, the config last). The model is not modified: gated-off ranks are
    /// dropped from copies.
    /// </summary>
    /// <param name="model">A model with adapters.</param>
    /// <param name="directory">The adapter folder.</param>
    /// <param name="baseModelNameOrPath">Written as <c>base_model_name_or_path</c> (e.g. a Hub id), or null.</param>
    /// <exception cref="InvalidOperationException">The model has no adapters, or every adapter has rank 0.</exception>
    public static void Export(LlamaForCausalLM model, string directory, string? baseModelNameOrPath = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Adapters.Count == 0 || model.Lora is null)
        {
            throw new InvalidOperationException("the model has no LoRA adapters to export");
        }

        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            var exported = new List<(AdapterSlot Slot, int Rank)>();
            var zeroRank = new List<string>();
            foreach (var slot in model.Adapters)
            {
                var (a, b) = ActiveFactors(slot.Module);
                if (a is null || b is null)
                {
                    zeroRank.Add(slot.Path);
                    continue;
                }

                tensors[PeftTensorNames.Stored(slot.Path, 'A')] = a;
                tensors[PeftTensorNames.Stored(slot.Path, 'B')] = b;
                exported.Add((slot, (int)a.shape[0]));
            }

            if (exported.Count == 0)
            {
                throw new InvalidOperationException(
                    $"every adapted module has rank 0 (all gates off): PEFT cannot represent an adapter without modules ({model.Adapters.Count} modules)");
            }

            Directory.CreateDirectory(directory);
            SafeTensorsWriter.Write(Path.Combine(directory, WeightsFileName), tensors, new Dictionary<string, string> { ["format"] = "pt" });
            var config = BuildConfig(model, exported, zeroRank, baseModelNameOrPath);
            AtomicFile.WriteAllText(Path.Combine(directory, ConfigFileName), config.ToJsonString(Indented) + "\n");
        }
        finally
        {
            foreach (var t in tensors.Values)
            {
                t.Dispose();
            }
        }
    }

    /// <summary>CPU copies of A and B restricted to the ranks whose gate is 1, or nulls when none is.</summary>
    private static (Tensor? A, Tensor? B) ActiveFactors(GatedLoraLinear module)
    {
        var keep = module.Gates.Select((on, i) => (on, i)).Where(p => p.on).Select(p => (long)p.i).ToArray();
        if (keep.Length == 0)
        {
            return (null, null);
        }

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var idx = tensor(keep, device: module.LoraA.device);
        var a = module.LoraA.detach().index_select(0, idx).cpu().contiguous().clone();
        var b = module.LoraB.detach().index_select(1, idx).cpu().contiguous().clone();
        return (a.DetachFromDisposeScope(), b.DetachFromDisposeScope());
    }

    private static JsonObject BuildConfig(LlamaForCausalLM model, List<(AdapterSlot Slot, int Rank)> exported,
                                          List<string> zeroRank, string? baseModelNameOrPath)
    {
        // r: the most common final rank (ties: the smaller rank); lora_alpha = s * r with s the most common scale.
        var r = exported.GroupBy(e => e.Rank).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First().Key;
        var s = exported.GroupBy(e => e.Slot.Module.Scale).OrderByDescending(g => g.Count()).First().Key;
        var types = exported.Select(e => e.Slot.ModuleType).Distinct().OrderBy(t => t, StringComparer.Ordinal).ToList();
        var excluded = zeroRank.Concat(UnadaptedLinears(model, types)).ToList();
        var rankPattern = new JsonObject();
        var alphaPattern = new JsonObject();
        foreach (var (slot, rank) in exported)
        {
            rankPattern[slot.Path] = rank;
            alphaPattern[slot.Path] = slot.Module.Scale * rank;
        }

        return new JsonObject
        {
            ["peft_type"] = "LORA",
            ["task_type"] = "CAUSAL_LM",
            ["base_model_name_or_path"] = baseModelNameOrPath,
            ["revision"] = null,
            ["inference_mode"] = true,
            ["r"] = r,
            ["lora_alpha"] = s * r,
            ["lora_dropout"] = model.Lora!.LoraDropout,
            ["target_modules"] = new JsonArray(types.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray()),
            ["exclude_modules"] = new JsonArray(excluded.Select(p => (JsonNode?)JsonValue.Create(p)).ToArray()),
            ["rank_pattern"] = rankPattern,
            ["alpha_pattern"] = alphaPattern,
            ["use_rslora"] = false,
            ["use_dora"] = false,
            ["bias"] = "none",
            ["fan_in_fan_out"] = false,
            ["init_lora_weights"] = true,
            ["modules_to_save"] = null,
            ["layers_to_transform"] = null,
        };
    }

    /// <summary>Linear layers whose type is in <paramref name="types"/> but that carry no adapter.</summary>
    private static IEnumerable<string> UnadaptedLinears(LlamaForCausalLM model, List<string> types)
    {
        var adapted = model.Adapters.Select(a => a.Path).ToHashSet(StringComparer.Ordinal);
        return model.named_modules()
            .Where(m => m.module is Linear && !adapted.Contains(m.name) && types.Contains(m.name[(m.name.LastIndexOf('.') + 1)..]))
            .Select(m => m.name);
    }
}
