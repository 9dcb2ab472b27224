namespace ALoRA.Engine.Model;

/// <summary>Where a projection sits in a decoder block, as far as scoring variants with a shared prefix is concerned.</summary>
public enum LlamaProjection
{
    /// <summary>q_proj, k_proj or v_proj: only the block's input norm is shared.</summary>
    Qkv,

    /// <summary>o_proj: the attention heads are shared.</summary>
    O,

    /// <summary>gate_proj: <c>h</c>, its norm and up_proj are shared.</summary>
    Gate,

    /// <summary>up_proj: <c>h</c>, its norm and the activated gate are shared.</summary>
    Up,

    /// <summary>down_proj: <c>silu(gate) * up</c> is shared.</summary>
    Down,
}
