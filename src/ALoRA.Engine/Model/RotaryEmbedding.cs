using ALoRA.Engine.Runtime;
using static TorchSharp.torch;

namespace ALoRA.Engine.Model;

/// <summary>
/// Rotary position embeddings in Hugging Face's <c>rotate_half</c> convention: dimension j is paired with
/// j + head_dim/2, <c>inv_freq_j = theta^(-2j/head_dim)</c>, <c>x' = x cos + rotate_half(x) sin</c>.
/// The cos/sin tables (not model state) are computed in float64 for the longest sequence seen so far (rounded up
/// to a power of two, at most max_position_embeddings) and follow the input's device and dtype.
/// </summary>
public sealed class RotaryEmbedding : IDisposable
{
    private readonly int _headDim;
    private readonly double _theta;
    private Tensor? _cos;
    private Tensor? _sin;

    /// <summary>Creates the embedding; tables are built on first use.</summary>
    public RotaryEmbedding(int headDim, int maxPositions, double theta)
    {
        _headDim = headDim;
        _theta = theta;
        MaxPositions = maxPositions;
    }

    /// <summary>How many times the tables were (re)built; they are reused while length, device and dtype fit.</summary>
    internal int BuildCount { get; private set; }

    /// <summary>Longest sequence allowed (max_position_embeddings).</summary>
    public int MaxPositions { get; }

    /// <summary>Rotates <paramref name="x"/> of shape [batch, heads, seq, head_dim] for positions 0..seq-1.</summary>
    public Tensor Apply(Tensor x)
    {
        var seq = x.shape[2];
        if (seq > MaxPositions)
        {
            throw new ArgumentException($"sequence length {seq} exceeds max_position_embeddings {MaxPositions}");
        }

        if (_cos is null || _cos.shape[0] < seq || _cos.device_type != x.device_type || _cos.device_index != x.device_index || _cos.dtype != x.dtype)
        {
            Build(Math.Max(seq, _cos?.shape[0] ?? 0), x);
        }

        using var scope = NewDisposeScope();
        var cos = _cos!.narrow(0, 0, seq);
        var sin = _sin!.narrow(0, 0, seq);
        var half = x.shape[3] / 2;
        var rotated = cat([x.narrow(3, half, half).neg(), x.narrow(3, 0, half)], 3);
        return (x * cos).add_(rotated.mul_(sin), CachedScalars.One).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _cos?.Dispose();
        _sin?.Dispose();
    }

    private void Build(long needed, Tensor like)
    {
        var length = Math.Min(MaxPositions, (long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)Math.Max(needed, 64)));
        using var scope = NewDisposeScope();
        var invFreq = pow(_theta, arange(0, _headDim, 2, dtype: ScalarType.Float64) / _headDim).reciprocal();
        var freqs = outer(arange(length, dtype: ScalarType.Float64), invFreq);
        var emb = cat([freqs, freqs], -1);
        Dispose();
        BuildCount++;
        _cos = emb.cos().to(like.dtype, like.device).DetachFromDisposeScope();
        _sin = emb.sin().to(like.dtype, like.device).DetachFromDisposeScope();
    }
}
