using ALoRA.Engine.Model;

namespace ALoRA.Engine.Scoring;

/// <summary>
/// The work of the fast path in blocks (one decoder block on one copy of a part of the batch = 1), by multiply-adds
/// per token of the block's pieces: projections, and QK^T and AV at the part's width (full, not causal-halved).
/// Norms, the activation, rotary and the rank-r LoRA products are left out, as in a forward-pass count.
/// </summary>
internal sealed class BlockCost(LlamaConfig config)
{
    private readonly double _qkv = (double)config.HiddenSize * ((config.NumAttentionHeads + (2.0 * config.NumKeyValueHeads)) * config.HeadDim);
    private readonly double _o = (double)config.NumAttentionHeads * config.HeadDim * config.HiddenSize;
    private readonly double _mlpProjection = (double)config.HiddenSize * config.IntermediateSize;
    private readonly double _q = (double)config.NumAttentionHeads * config.HeadDim;

    /// <summary>
    /// Blocks run by one pass of <paramref name="variants"/> variants of a <paramref name="kind"/> projection at a block
    /// with <paramref name="blocksAbove"/> blocks above it, for a part <paramref name="width"/> tokens wide, that also
    /// computed the prefix pieces <paramref name="computed"/>.
    /// </summary>
    public double VariantPass(LlamaProjection? kind, int variants, BlockPieces computed, long width, int blocksAbove)
    {
        var core = 2.0 * width * _q;
        var block = _qkv + core + _o + (3 * _mlpProjection);
        var prefix = (computed.HasFlag(BlockPieces.Heads) ? _qkv + core : 0) + (computed.HasFlag(BlockPieces.AttentionOutput) ? _o : 0)
                     + (computed.HasFlag(BlockPieces.Gate) ? _mlpProjection : 0) + (computed.HasFlag(BlockPieces.Up) ? _mlpProjection : 0);
        var inBlock = kind switch
        {
            // The three projections once (the variant's base and A x, and the two shared ones); attention on per variant.
            LlamaProjection.Qkv => _qkv + (variants * (core + _o + (3 * _mlpProjection))),
            LlamaProjection.O => _o + (variants * 3 * _mlpProjection),
            LlamaProjection.Gate or LlamaProjection.Up => _mlpProjection + (variants * _mlpProjection),
            LlamaProjection.Down => _mlpProjection,
            _ => variants * block,
        };
        return ((prefix + inBlock) / block) + ((double)variants * blocksAbove);
    }
}
