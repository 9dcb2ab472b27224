using System.Text.RegularExpressions;
using ALoRA.Engine.Lora;
using ALoRA.Engine.Model;
using ALoRA.Engine.SafeTensors;
using static TorchSharp.torch;

namespace ALoRA.Engine.Peft;

/// <summary>
/// Reads a Hugging Face PEFT LoRA adapter folder (<c>adapter_config.json</c> and <c>adapter_model.safetensors</c>)
/// into this engine: the config becomes a <see cref="LoraConfig"/>, the tensors the adapters' A and B, all gates 1.
/// </summary>
/// <remarks>
/// PEFT's defaults apply to absent fields (r 8, lora_alpha 8, lora_dropout 0, target_modules q_proj and v_proj for
/// LLaMA). With <c>use_rslora: true</c> PEFT scales by <c>alpha / sqrt(r)</c>; the engine scales by
/// <c>alpha / r_init</c>, so every targeted module gets an exact alpha_pattern entry <c>alpha * sqrt(r)</c>.
/// DoRA, biases, fan_in_fan_out, modules_to_save, layers_to_transform and other non-LoRA options are refused with a
/// message naming the field.
/// </remarks>
public static class PeftAdapterImporter
{
    /// <summary>Maps <c>adapter_config.json</c> in <paramref name="adapterDir"/> to a <see cref="LoraConfig"/>.</summary>
    /// <param name="adapterDir">The adapter folder.</param>
    /// <param name="architecture">
    /// The base model's config. Needed (to list its module paths) when the adapter uses <c>use_rslora: true</c> or
    /// gives <c>exclude_modules</c> as a regular expression; both become per-module entries.
    /// </param>
    /// <exception cref="PeftFormatException">The file is missing, not JSON, a field is invalid or unsupported (named).</exception>
    /// <exception cref="ArgumentException">The config needs <paramref name="architecture"/> and it is null.</exception>
    public static LoraConfig ReadConfig(string adapterDir, LlamaConfig? architecture = null)
    {
        var settings = PeftConfigReader.Read(adapterDir);
        var config = settings.Lora;
        if (settings.ExcludeRegex is null && !settings.UseRsLora)
        {
            return config;
        }

        if (architecture is null)
        {
            var field = settings.UseRsLora ? "use_rslora: true" : "exclude_modules as a regular expression";
            throw new ArgumentException(
                $"{settings.ConfigPath}: {field} needs the base model's module paths; pass its LlamaConfig (PeftAdapterImporter.Load does)",
                nameof(architecture));
        }

        var paths = LlamaLinearPaths.For(architecture);
        if (settings.ExcludeRegex is { } exclude)
        {
            config = config with
            {
                ExcludeModules = paths.Where(p => Regex.IsMatch(p, $"^(?:{exclude})$")).ToList(),
            };
        }

        if (settings.UseRsLora)
        {
            // alpha' / r = alpha / sqrt(r) for every targeted module: exact (escaped) paths, so no other key matches.
            var targeting = new LoraTargeting(config);
            config = config with
            {
                AlphaPattern = paths.Where(p => targeting.IsTarget(p)).ToDictionary(
                    Regex.Escape, p => targeting.Alpha(p) * Math.Sqrt(targeting.InitialRank(p)), StringComparer.Ordinal),
            };
        }

        return config;
    }

    /// <summary>
    /// Loads the base model in <paramref name="modelDir"/> with the adapter in <paramref name="adapterDir"/>.
    /// Tensor names may carry PEFT's <c>base_model.model.</c> prefix or not, and an adapter name before
    /// <c>.weight</c> (<c>lora_A.default.weight</c>). Every adapted module must get exactly its A (r x in) and
    /// B (out x r).
    /// </summary>
    /// <param name="modelDir">The Hugging Face model folder.</param>
    /// <param name="adapterDir">The PEFT adapter folder.</param>
    /// <param name="options">DType and device; its <see cref="ModelLoadOptions.Lora"/> is replaced by the adapter's.</param>
    /// <exception cref="PeftFormatException">The adapter is malformed, unsupported, or does not fit the model (tensor and file named).</exception>
    /// <exception cref="ModelLoadException">The base model folder cannot be loaded.</exception>
    public static LlamaForCausalLM Load(string modelDir, string adapterDir, ModelLoadOptions? options = null)
    {
        var architecture = LlamaConfig.Load(Path.Combine(modelDir, "config.json"));
        var lora = ReadConfig(adapterDir, architecture);
        var weightsPath = Path.Combine(adapterDir, PeftAdapterExporter.WeightsFileName);
        if (!File.Exists(weightsPath))
        {
            var pickle = File.Exists(Path.Combine(adapterDir, "adapter_model.bin")) ? " (adapter_model.bin pickles are not supported)" : "";
            throw new PeftFormatException($"{weightsPath}: file not found{pickle}");
        }

        using var file = OpenWeights(weightsPath);
        var names = CanonicalNames(file);
        LlamaForCausalLM model;
        try
        {
            model = HfModelLoader.Load(modelDir, (options ?? new ModelLoadOptions()) with { Lora = lora });
        }
        catch (ArgumentException ex)
        {
            throw new PeftFormatException($"{Path.Combine(adapterDir, PeftAdapterExporter.ConfigFileName)}: {ex.Message}", ex);
        }

        try
        {
            CheckNames(model, names, weightsPath);
            foreach (var slot in model.Adapters)
            {
                Copy(file, names[$"{slot.Path}.lora_A.weight"], slot.Module.LoraA, slot);
                Copy(file, names[$"{slot.Path}.lora_B.weight"], slot.Module.LoraB, slot);
                slot.Module.SetGates(Enumerable.Repeat(true, slot.Module.Rank).ToArray());
            }

            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static SafeTensorsFile OpenWeights(string path)
    {
        try
        {
            return SafeTensorsFile.Open(path);
        }
        catch (SafeTensorsFormatException ex)
        {
            throw new PeftFormatException(ex.Message, ex);
        }
    }

    /// <summary>Engine name to stored name; a stored name that names no LoRA factor maps to itself, marked unexpected later.</summary>
    private static Dictionary<string, string> CanonicalNames(SafeTensorsFile file)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var stored in file.Tensors.Keys.OrderBy(k => k, StringComparer.Ordinal))
        {
            var canonical = PeftTensorNames.Canonical(stored) ?? stored;
            if (!result.TryAdd(canonical, stored))
            {
                throw new PeftFormatException(
                    $"{file.Path}: tensors '{result[canonical]}' and '{stored}' are both '{canonical}' (more than one adapter in the file?)");
            }
        }

        return result;
    }

    private static void CheckNames(LlamaForCausalLM model, Dictionary<string, string> names, string weightsPath)
    {
        var expected = model.Adapters.SelectMany(s => new[] { $"{s.Path}.lora_A.weight", $"{s.Path}.lora_B.weight" }).ToList();
        var missing = expected.Where(n => !names.ContainsKey(n)).Select(n => PeftTensorNames.Prefix + n).ToList();
        var expectedSet = expected.ToHashSet(StringComparer.Ordinal);
        var unexpected = names.Where(p => !expectedSet.Contains(p.Key)).Select(p => p.Value).OrderBy(n => n, StringComparer.Ordinal).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
        {
            throw new PeftFormatException(
                $"{weightsPath}: tensors do not fit adapter_config.json ({model.Adapters.Count} adapted modules): " +
                (missing.Count > 0 ? $"missing tensors: {Summarise(missing)}" : "") +
                (missing.Count > 0 && unexpected.Count > 0 ? "; " : "") +
                (unexpected.Count > 0 ? $"unexpected tensors (no adapted module of that name): {Summarise(unexpected)}" : ""));
        }
    }

    private static void Copy(SafeTensorsFile file, string stored, Tensor target, AdapterSlot slot)
    {
        var info = file.Tensors[stored];
        if (!info.Shape.SequenceEqual(target.shape))
        {
            throw new PeftFormatException(
                $"{file.Path}: tensor '{stored}' has shape [{string.Join(", ", info.Shape)}] but '{slot.Path}' needs " +
                $"[{string.Join(", ", target.shape)}] (rank {slot.Module.Rank} from adapter_config.json, in {slot.Module.InFeatures}, out {slot.Module.OutFeatures})");
        }

        if (info.DType is not ("F32" or "F16" or "BF16" or "F64"))
        {
            throw new PeftFormatException($"{file.Path}: tensor '{stored}' has dtype {info.DType}; LoRA weights must be floating point");
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var value = file.Read(stored);
        var finite = value.isfinite();
        if (!finite.all().item<bool>())
        {
            var bad = finite.logical_not().sum();
            throw new PeftFormatException(
                $"{file.Path}: tensor '{stored}' holds {bad.item<long>()} non-finite values (NaN or infinity); an adapter's weights must be finite numbers");
        }

        target.copy_(value);
    }

    private static string Summarise(IReadOnlyList<string> names) =>
        names.Count <= 6 ? string.Join(", ", names) : $"{string.Join(", ", names.Take(6))} and {names.Count - 6} more";
}
