using static TorchSharp.torch;

namespace ALoRA.Engine.Model;

/// <summary>
/// Creates the linear layer at a module path (e.g. <c>model.layers.0.self_attn.q_proj</c>): a plain frozen
/// <c>Linear</c>, or an adapter wrapping one. The model calls it for every projection while it is built, so
/// adapters are part of the module tree from the start (PEFT-style names: <c>q_proj.base_layer.weight</c>).
/// </summary>
public delegate nn.Module<Tensor, Tensor> LinearFactory(string path, long inFeatures, long outFeatures, bool bias);
