using ALoRA.Engine.Peft;
using ALoRA.Engine.SafeTensors;
using static TorchSharp.torch;

namespace ALoRA.Engine.Tests.Peft;

/// <summary>A temporary folder for adapter files, deleted on dispose; writes hand-made PEFT adapters.</summary>
internal sealed class PeftTestFiles : IDisposable
{
    private readonly TempDirectory _folder = TempDirectory.Create("peft");

    public string Root => _folder.Path;

    public string Dir(string name) => Path.Combine(Root, name);

    /// <summary>Writes adapter_config.json (text as given) and adapter_model.safetensors with <paramref name="tensors"/>.</summary>
    public string WriteAdapter(string name, string configJson, IReadOnlyDictionary<string, Tensor>? tensors = null)
    {
        var dir = Dir(name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, PeftAdapterExporter.ConfigFileName), configJson);
        if (tensors is not null)
        {
            SafeTensorsWriter.Write(Path.Combine(dir, PeftAdapterExporter.WeightsFileName), tensors);
        }

        return dir;
    }

    /// <summary>
    /// A LoRA r = 4 adapter on q_proj and v_proj of every stories260K layer (hidden 64, k/v width 32), with random A and
    /// B named as PEFT saves them; <paramref name="edit"/> may change the tensors before they are written.
    /// </summary>
    public string WriteQvAdapter(string name, Action<Dictionary<string, Tensor>>? edit = null, string extraConfig = "")
    {
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using var generator = new Generator().manual_seed(3);
        for (var layer = 0; layer < 5; layer++)
        {
            foreach (var (module, outF) in new[] { ("q_proj", 64L), ("v_proj", 32L) })
            {
                var path = $"base_model.model.model.layers.{layer}.self_attn.{module}";
                tensors[$"{path}.lora_A.weight"] = randn(4, 64, generator: generator);
                tensors[$"{path}.lora_B.weight"] = randn(outF, 4, generator: generator);
            }
        }

        edit?.Invoke(tensors);
        var config = $$"""
            {"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": 4, "lora_alpha": 8, "target_modules": ["q_proj", "v_proj"],
             "bias": "none", "use_dora": false, "use_rslora": false, "fan_in_fan_out": false{{extraConfig}}}
            """;
        try
        {
            return WriteAdapter(name, config, tensors);
        }
        finally
        {
            foreach (var t in tensors.Values)
            {
                t.Dispose();
            }
        }
    }

    public void Dispose() => _folder.Dispose();
}
