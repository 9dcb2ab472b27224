namespace ALoRA.Engine.Model;

/// <summary>The shared parts of a decoder block that a <see cref="BlockPrefix"/> has computed.</summary>
[Flags]
public enum BlockPieces
{
    /// <summary>Nothing yet.</summary>
    None = 0,

    /// <summary><c>input_layernorm(x)</c>.</summary>
    InputNorm = 1,

    /// <summary>q, k and v projections, rotary and attention (the heads before o_proj).</summary>
    Heads = 2,

    /// <summary>o_proj and the residual: <c>h = x + attn(norm(x))</c>.</summary>
    AttentionOutput = 4,

    /// <summary><c>post_attention_layernorm(h)</c>.</summary>
    PostNorm = 8,

    /// <summary><c>silu(gate_proj(norm(h)))</c>.</summary>
    Gate = 16,

    /// <summary><c>up_proj(norm(h))</c>.</summary>
    Up = 32,

    /// <summary><c>silu(gate) * up</c>, the input of down_proj.</summary>
    Product = 64,
}
