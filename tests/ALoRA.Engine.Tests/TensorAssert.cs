using static TorchSharp.torch;

namespace ALoRA.Engine.Tests;

internal static class TensorAssert
{
    /// <summary>Same dtype, shape and every element bit-for-bit equal (NaN-free tensors).</summary>
    public static bool Same(Tensor a, Tensor b)
    {
        if (a.dtype != b.dtype || !a.shape.SequenceEqual(b.shape))
        {
            return false;
        }

        using var eq = a.eq(b);
        using var all = eq.all();
        return all.item<bool>();
    }
}
