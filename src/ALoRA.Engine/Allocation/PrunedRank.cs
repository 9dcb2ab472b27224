namespace ALoRA.Engine.Allocation;

/// <summary>One rank chosen for pruning in an allocation round.</summary>
/// <param name="ModuleIndex">Index of the module in the model's adapter list (model order).</param>
/// <param name="Rank">Physical rank index within the module at scoring time (the <see cref="RankScore.Rank"/>).</param>
public sealed record PrunedRank(int ModuleIndex, int Rank);
