using static TorchSharp.torch;

namespace ALoRA.Engine.Model;

/// <summary>Greedy decoding (argmax of the last position's logits, one token at a time, no sampling).</summary>
public static class GreedyGenerator
{
    /// <summary>Extends <paramref name="promptIds"/> by up to <paramref name="newTokens"/> tokens; stops early at <paramref name="stopId"/>.</summary>
    public static int[] Generate(LlamaForCausalLM model, IReadOnlyList<int> promptIds, int newTokens, int? stopId = null)
    {
        var ids = promptIds.ToList();
        var device = model.Decoder.EmbedTokens.weight!.device;
        using var noGrad = no_grad();
        for (var i = 0; i < newTokens && ids.Count < model.Config.MaxPositionEmbeddings; i++)
        {
            using var scope = NewDisposeScope();
            var input = tensor(ids.Select(x => (long)x).ToArray(), device: device).unsqueeze(0);
            var hidden = model.ForwardHidden(input);
            var last = model.LmHead(hidden.select(1, -1));
            var next = (int)last.argmax(-1).item<long>();
            ids.Add(next);
            if (next == stopId)
            {
                break;
            }
        }

        return ids.ToArray();
    }
}
