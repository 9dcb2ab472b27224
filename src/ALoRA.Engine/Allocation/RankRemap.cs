using static TorchSharp.torch;

namespace ALoRA.Engine.Allocation;

/// <summary>Moves per-rank state along with its rank when modules are compacted and grown.</summary>
internal static class RankRemap
{
    /// <summary>
    /// A tensor shaped like <paramref name="like"/> whose slice j along <paramref name="dim"/> is slice i of
    /// <paramref name="old"/> where <c>map[i] == j</c>; slices nothing maps to (new ranks) are zero.
    /// </summary>
    public static Tensor Remap(Tensor old, Tensor like, long dim, IReadOnlyList<int> map)
    {
        using var noGrad = no_grad();
        var result = zeros_like(like).DetachFromDisposeScope();
        for (var i = 0; i < map.Count; i++)
        {
            if (map[i] >= 0)
            {
                using var target = result.select(dim, map[i]);
                using var source = old.select(dim, i);
                target.copy_(source);
            }
        }

        return result;
    }
}
