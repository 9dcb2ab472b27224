using System.Globalization;

namespace ALoRA.Cli.Tests.Rendering;

/// <summary>Made-up final allocations.</summary>
internal static class Allocations
{
    public static readonly string[] Types = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    /// <summary>Every module type in <paramref name="layers"/> layers; ranks 0..15 varying by cell.</summary>
    public static Dictionary<string, int> Llama(int layers)
    {
        var allocation = new Dictionary<string, int>();
        for (var layer = 0; layer < layers; layer++)
        {
            for (var t = 0; t < Types.Length; t++)
            {
                var block = t < 4 ? "self_attn" : "mlp";
                allocation[string.Create(CultureInfo.InvariantCulture, $"model.layers.{layer}.{block}.{Types[t]}")] = ((layer * 5) + (t * 3)) % 16;
            }
        }

        return allocation;
    }
}
