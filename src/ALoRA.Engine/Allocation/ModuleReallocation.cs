namespace ALoRA.Engine.Allocation;

/// <summary>How one module changed when an <see cref="AllocationDecision"/> was applied.</summary>
/// <param name="ModuleIndex">Index of the module in the model's adapter list.</param>
/// <param name="Path">Full module path, e.g. <c>model.layers.0.self_attn.q_proj</c>.</param>
/// <param name="OldRank">Physical rank before (gated-off ranks included).</param>
/// <param name="NewRank">Physical rank after; every rank is active (compacted), so this is also the active rank.</param>
/// <param name="IndexMap">Per old physical rank, its new index, or -1 when dropped (pruned now or gated off before).
/// Kept ranks keep their order; the <see cref="Added"/> new ranks are the last indices.</param>
/// <param name="Pruned">Ranks of this module pruned by the decision.</param>
/// <param name="Added">New ranks appended to this module.</param>
public sealed record ModuleReallocation(int ModuleIndex, string Path, int OldRank, int NewRank, IReadOnlyList<int> IndexMap, int Pruned, int Added)
{
    /// <summary>True when the module's A and B parameters were replaced (a rank was dropped or added).</summary>
    public bool Changed => IndexMap.Any(i => i < 0) || Added > 0;
}
