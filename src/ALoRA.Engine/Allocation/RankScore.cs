namespace ALoRA.Engine.Allocation;

/// <summary>
/// The importance score of one active rank. For <c>alora</c> it is AB-LoRA's (docs/alora-method.md section 3):
/// <c>IS = CE(M \ r) - CE(M) - CE(M_r)</c>; methods that do not ablate (<c>alora-dnas</c>, <c>alora-sensi</c>)
/// leave the two CE values null.
/// </summary>
/// <param name="ModuleIndex">Index of the module in the model's adapter list (model order).</param>
/// <param name="ModulePath">Full module path, e.g. <c>model.layers.0.self_attn.q_proj</c>.</param>
/// <param name="Rank">Physical rank index within the module when scored.</param>
/// <param name="CeWithout">CE of the network with only this rank switched off (AB-LoRA only).</param>
/// <param name="CeOnly">CE of the network in which this rank is the only active LoRA rank (AB-LoRA only).</param>
/// <param name="Importance">The method's importance; higher = more important.</param>
public sealed record RankScore(int ModuleIndex, string ModulePath, int Rank, double? CeWithout, double? CeOnly, double Importance);
