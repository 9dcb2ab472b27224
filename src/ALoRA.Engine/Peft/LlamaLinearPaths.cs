using ALoRA.Engine.Model;

namespace ALoRA.Engine.Peft;

/// <summary>
/// The module paths of the adaptable linear layers of a LLaMA model, derived from its config without building it
/// (same names as <see cref="LlamaForCausalLM"/>: <c>model.layers.{i}.self_attn.q_proj</c> ... <c>mlp.down_proj</c>).
/// </summary>
internal static class LlamaLinearPaths
{
    private static readonly string[] Attention = ["q_proj", "k_proj", "v_proj", "o_proj"];
    private static readonly string[] Mlp = ["gate_proj", "up_proj", "down_proj"];

    /// <summary>Every projection path in model order (the LM head is never adapted and is not listed).</summary>
    public static IReadOnlyList<string> For(LlamaConfig config)
    {
        var paths = new List<string>(config.NumHiddenLayers * 7);
        for (var i = 0; i < config.NumHiddenLayers; i++)
        {
            paths.AddRange(Attention.Select(m => $"model.layers.{i}.self_attn.{m}"));
            paths.AddRange(Mlp.Select(m => $"model.layers.{i}.mlp.{m}"));
        }

        return paths;
    }
}
