namespace ALoRA.Engine.Allocation;

/// <summary>
/// The AB-LoRA score of one active rank (alora.md section 3): <c>IS = CE(M \ r) - CE(M) - CE(M_r)</c>.
/// </summary>
/// <param name="ModuleIndex">Index of the module in the model's adapter list (model order).</param>
/// <param name="ModulePath">Full module path, e.g. <c>model.layers.0.self_attn.q_proj</c>.</param>
/// <param name="Rank">Physical rank index within the module when scored.</param>
/// <param name="CeWithout">CE of the network with only this rank switched off.</param>
/// <param name="CeOnly">CE of the network in which this rank is the only active LoRA rank.</param>
/// <param name="Importance">IS; higher = more important.</param>
public sealed record RankScore(int ModuleIndex, string ModulePath, int Rank, double CeWithout, double CeOnly, double Importance);
