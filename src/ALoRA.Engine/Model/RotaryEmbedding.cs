using ALoRA.Engine.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace ALoRA.Engine.Model;

/// <summary>
/// Rotary position embeddings in Hugging Face's <c>rotate_half</c> convention: dimension j is paired with
/// j + head_dim/2, <c>inv_freq_j = theta^(-2j/head_dim)</c>, <c>x' = x cos + rotate_half(x) sin</c>.
/// The cos/sin tables are computed once for the model's maximum length (they are not model state) and follow
/// the input to its device and dtype.
/// </summary>
public sealed class RotaryEmbedding : IDisposable
{
    private Tensor _cos;
    private Tensor _sin;

    /// <summary>Precomputes the tables in float64, stored in <paramref name="dtype"/>.</summary>
    public RotaryEmbedding(int headDim, int maxPositions, double theta, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var invFreq = pow(theta, arange(0, headDim, 2, dtype: ScalarType.Float64) / headDim).reciprocal();
        var positions = arange(maxPositions, dtype: ScalarType.Float64);
        var freqs = outer(positions, invFreq);
        var emb = cat([freqs, freqs], -1);
        _cos = emb.cos().to(dtype).DetachFromDisposeScope();
        _sin = emb.sin().to(dtype).DetachFromDisposeScope();
        MaxPositions = maxPositions;
    }

    /// <summary>Longest sequence the tables cover.</summary>
    public int MaxPositions { get; }

    /// <summary>Rotates <paramref name="x"/> of shape [batch, heads, seq, head_dim] for positions 0..seq-1.</summary>
    public Tensor Apply(Tensor x)
    {
        var seq = x.shape[2];
        if (seq > MaxPositions)
        {
            throw new ArgumentException($"sequence length {seq} exceeds max_position_embeddings {MaxPositions}");
        }

        if (_cos.device != x.device || _cos.dtype != x.dtype)
        {
            Follow(x);
        }

        using var scope = NewDisposeScope();
        var cos = _cos.narrow(0, 0, seq);
        var sin = _sin.narrow(0, 0, seq);
        var half = x.shape[3] / 2;
        var rotated = cat([x.narrow(3, half, half).neg(), x.narrow(3, 0, half)], 3);
        return (x * cos).add_(rotated.mul_(sin), CachedScalars.One).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _cos.Dispose();
        _sin.Dispose();
    }

    private void Follow(Tensor x)
    {
        var (cos, sin) = (_cos.to(x.dtype, x.device).DetachFromDisposeScope(), _sin.to(x.dtype, x.device).DetachFromDisposeScope());
        _cos.Dispose();
        _sin.Dispose();
        (_cos, _sin) = (cos, sin);
    }
}
