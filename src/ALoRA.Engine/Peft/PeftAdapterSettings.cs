using ALoRA.Engine.Lora;

namespace ALoRA.Engine.Peft;

/// <summary>What <c>adapter_config.json</c> says, before the parts that need the model's module paths are resolved.</summary>
/// <param name="Lora">The configuration with PEFT's defaults applied (lora_alpha 8, not this engine's 2 r).</param>
/// <param name="UseRsLora">use_rslora: scale alpha / sqrt(r) instead of alpha / r.</param>
/// <param name="ExcludeRegex">exclude_modules given as a string (a full-match regular expression), else null.</param>
/// <param name="ConfigPath">The file read.</param>
internal sealed record PeftAdapterSettings(LoraConfig Lora, bool UseRsLora, string? ExcludeRegex, string ConfigPath);
