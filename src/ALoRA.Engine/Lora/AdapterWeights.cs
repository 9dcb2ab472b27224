using ALoRA.Engine.Model;
using static TorchSharp.torch;

namespace ALoRA.Engine.Lora;

/// <summary>
/// The adapter state of a model as named tensors (<c>{path}.lora_A.weight</c>, <c>{path}.lora_B.weight</c>,
/// <c>{path}.lora_gate</c>): captured as CPU copies, applied back with any per-module rank.
/// </summary>
public static class AdapterWeights
{
    /// <summary>CPU copies of every adapter's A, B and gates.</summary>
    /// <param name="model">The model.</param>
    /// <param name="foldRelaxedGates">When a module has relaxed gates attached (<c>alora-dnas</c>), capture <c>lora_B</c>
    /// with the gate values folded in, so the copy alone reproduces the module's current output.</param>
    public static Dictionary<string, Tensor> Capture(LlamaForCausalLM model, bool foldRelaxedGates = false)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using var noGrad = no_grad();
        foreach (var slot in model.Adapters)
        {
            result[$"{slot.Path}.lora_A.weight"] = CpuCopy(slot.Module.LoraA);
            result[$"{slot.Path}.lora_B.weight"] = foldRelaxedGates && slot.Module.GateLogits is { } logits
                ? FoldedCopy(slot.Module.LoraB, logits)
                : CpuCopy(slot.Module.LoraB);
            result[$"{slot.Path}.lora_gate"] = CpuCopy(slot.Module.GateTensor);
        }

        return result;
    }

    /// <summary>Loads A, B and gates into every adapter (ranks may differ from the current ones).</summary>
    /// <exception cref="InvalidDataException">A tensor is missing or does not fit the module; the message names it.</exception>
    public static void Apply(LlamaForCausalLM model, IReadOnlyDictionary<string, Tensor> weights)
    {
        var device = model.Decoder.EmbedTokens.weight!.device;
        foreach (var slot in model.Adapters)
        {
            var a = Get(weights, $"{slot.Path}.lora_A.weight");
            var b = Get(weights, $"{slot.Path}.lora_B.weight");
            weights.TryGetValue($"{slot.Path}.lora_gate", out var gates);
            try
            {
                using var scope = NewDisposeScope();
                slot.Module.ReplaceWeights(a.to(device), b.to(device), gates?.to(device));
            }
            catch (ArgumentException ex)
            {
                throw new InvalidDataException($"adapter weights for '{slot.Path}' do not fit the module: {ex.Message}", ex);
            }
        }

        var known = model.Adapters.SelectMany(s => new[] { $"{s.Path}.lora_A.weight", $"{s.Path}.lora_B.weight", $"{s.Path}.lora_gate" }).ToHashSet();
        var unexpected = weights.Keys.Where(k => !known.Contains(k)).ToList();
        if (unexpected.Count > 0)
        {
            throw new InvalidDataException($"adapter weights name modules the model does not adapt: {string.Join(", ", unexpected.Take(5))}");
        }
    }

    /// <summary>Trainable parameters counted over active ranks: sum of active_rank * (in + out).</summary>
    public static long ActiveParameterCount(LlamaForCausalLM model) =>
        model.Adapters.Sum(s => (long)s.Module.ActiveRank * (s.Module.InFeatures + s.Module.OutFeatures));

    private static Tensor CpuCopy(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().cpu().clone().MoveToOuterDisposeScope();
    }

    private static Tensor FoldedCopy(Tensor b, Tensor logits)
    {
        using var scope = NewDisposeScope();
        return b.detach().mul(logits.detach().sigmoid().mul(2.0).unsqueeze(0)).cpu().MoveToOuterDisposeScope();
    }

    private static Tensor Get(IReadOnlyDictionary<string, Tensor> weights, string name) =>
        weights.TryGetValue(name, out var t) ? t : throw new InvalidDataException($"adapter weights have no tensor '{name}'");
}
