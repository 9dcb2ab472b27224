namespace ALoRA.Engine.Allocation;

/// <summary>
/// What one ALoRA allocation round does (docs/alora-method.md section 4), decided by <see cref="RankAllocator.Decide(IReadOnlyList{int}, IReadOnlyList{RankScore}, int)"/>
/// and carried out on a model by <see cref="AllocationApplier.Apply"/>. Every per-module list has one entry per
/// adapted module, in model order. Two decisions are equal when all their lists are element-wise equal.
/// </summary>
/// <param name="NA">n_A: the number of ranks pruned (and, when <see cref="Receivers"/> is not empty, added).</param>
/// <param name="ActiveBefore">Active ranks per module before the round.</param>
/// <param name="Pruned">The n_A pruned ranks, in pruning order: ascending importance, then module index, then rank.</param>
/// <param name="Receivers">U: the modules that lost no rank this round, ascending module index.</param>
/// <param name="AverageImportance">Mean importance of each module's scored ranks this round; null for a module without active ranks.</param>
/// <param name="Added">New ranks per module (0 outside U; all 0 when U is empty).</param>
/// <param name="ActiveAfter">Active ranks per module after the round: before - pruned + added.</param>
public sealed record AllocationDecision(
    int NA,
    IReadOnlyList<int> ActiveBefore,
    IReadOnlyList<PrunedRank> Pruned,
    IReadOnlyList<int> Receivers,
    IReadOnlyList<double?> AverageImportance,
    IReadOnlyList<int> Added,
    IReadOnlyList<int> ActiveAfter)
{
    /// <summary>Total active ranks before the round.</summary>
    public int TotalBefore => ActiveBefore.Sum();

    /// <summary>Total active ranks after the round (never more than <see cref="TotalBefore"/>).</summary>
    public int TotalAfter => ActiveAfter.Sum();

    /// <summary>Number of ranks pruned from each module (one entry per module).</summary>
    public IReadOnlyList<int> PrunedPerModule
    {
        get
        {
            var lost = new int[ActiveBefore.Count];
            foreach (var p in Pruned)
            {
                lost[p.ModuleIndex]++;
            }

            return lost;
        }
    }

    /// <summary>Element-wise equality of every list and of <see cref="NA"/>.</summary>
    public bool Equals(AllocationDecision? other) =>
        other is not null
        && NA == other.NA
        && ActiveBefore.SequenceEqual(other.ActiveBefore)
        && Pruned.SequenceEqual(other.Pruned)
        && Receivers.SequenceEqual(other.Receivers)
        && AverageImportance.SequenceEqual(other.AverageImportance)
        && Added.SequenceEqual(other.Added)
        && ActiveAfter.SequenceEqual(other.ActiveAfter);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(NA);
        foreach (var p in Pruned)
        {
            hash.Add(p);
        }

        foreach (var a in ActiveAfter)
        {
            hash.Add(a);
        }

        return hash.ToHashCode();
    }
}
