namespace ALoRA.Engine.Allocation;

/// <summary>What <see cref="AllocationApplier.Apply"/> did to a model: one entry per adapted module, in model order.</summary>
/// <param name="Modules">Per module: old and new rank and the old -> new rank index map.</param>
public sealed record AllocationResult(IReadOnlyList<ModuleReallocation> Modules)
{
    /// <summary>Rank of every module after the round (all ranks active).</summary>
    public IReadOnlyList<int> NewRanks => Modules.Select(m => m.NewRank).ToArray();

    /// <summary>Total rank over all modules after the round.</summary>
    public int TotalRank => Modules.Sum(m => m.NewRank);
}
