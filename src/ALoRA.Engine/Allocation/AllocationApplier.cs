using ALoRA.Engine.Lora;
using ALoRA.Engine.Model;
using ALoRA.Engine.Training;
using TorchSharp;

namespace ALoRA.Engine.Allocation;

/// <summary>
/// Carries out an <see cref="AllocationDecision"/> on a model and its optimizer: the pruned ranks' gates are
/// switched off, EVERY module is compacted (gated-off ranks dropped physically, kept ranks in their old order) and
/// then grown by <see cref="AllocationDecision.Added"/> (new A rows Kaiming-uniform, new B columns zero, gates 1,
/// appended after the kept ranks). The optimizer follows through <see cref="LoraAdamW.Resize"/> for
/// <c>lora_A.weight</c> (rank on dim 0) and <c>lora_B.weight</c> (rank on dim 1): moments of surviving ranks move
/// with their rank, new ranks start at zero, step counts are kept.
/// </summary>
/// <remarks>
/// After <see cref="Apply"/> every module is compacted, so physical rank == active rank: the next round's scores
/// (whose <see cref="RankScore.Rank"/> is the physical index) can be passed to
/// <see cref="RankAllocator.Decide(IReadOnlyList{int}, IReadOnlyList{RankScore}, int)"/> with the modules' ranks.
/// The A and B <see cref="TorchSharp.Modules.Parameter"/> objects of every changed module are replaced; anything
/// holding the old ones (gradients, another optimizer) must be refreshed from <see cref="LlamaForCausalLM.TrainableParameters"/>.
/// </remarks>
public static class AllocationApplier
{
    /// <summary>Optimizer parameter name of an adapter's A matrix.</summary>
    public static string LoraAName(string modulePath) => modulePath + ".lora_A.weight";

    /// <summary>Optimizer parameter name of an adapter's B matrix.</summary>
    public static string LoraBName(string modulePath) => modulePath + ".lora_B.weight";

    /// <summary>Applies <paramref name="decision"/> (made for the model's current gates) to the model and the optimizer.</summary>
    /// <param name="model">The model whose <see cref="LlamaForCausalLM.Adapters"/> the decision indexes.</param>
    /// <param name="optimizer">The optimizer over the adapter parameters, or null.</param>
    /// <param name="decision">The round's decision.</param>
    /// <param name="generator">Generator for the new A rows (null: torch's global generator). Modules grow in model order.</param>
    /// <returns>Per module, the old -> new index map and the new rank.</returns>
    /// <exception cref="ArgumentException">The decision does not fit the model's current state, or the optimizer lacks an
    /// adapter parameter; nothing is changed then.</exception>
    public static AllocationResult Apply(LlamaForCausalLM model, LoraAdamW? optimizer, AllocationDecision decision, torch.Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(decision);
        var adapters = model.Adapters;
        var gates = adapters.Select(a => a.Module.Gates).ToArray();
        var pruned = Validate(adapters, gates, optimizer, decision);

        using var scope = torch.NewDisposeScope();
        var modules = new ModuleReallocation[adapters.Count];
        for (var m = 0; m < adapters.Count; m++)
        {
            var (path, module) = (adapters[m].Path, adapters[m].Module);
            if (pruned[m].Count > 0)
            {
                var newGates = (bool[])gates[m].Clone();
                foreach (var r in pruned[m])
                {
                    newGates[r] = false;
                }

                module.SetGates(newGates);
            }

            var oldRank = module.Rank;
            var kept = module.Compact();
            module.Grow(decision.Added[m], generator);
            var map = Enumerable.Repeat(-1, oldRank).ToArray();
            for (var j = 0; j < kept.Length; j++)
            {
                map[kept[j]] = j;
            }

            var result = new ModuleReallocation(m, path, oldRank, module.Rank, map, pruned[m].Count, decision.Added[m]);
            if (optimizer is not null && result.Changed)
            {
                optimizer.Resize(LoraAName(path), module.LoraA, 0, map);
                optimizer.Resize(LoraBName(path), module.LoraB, 1, map);
            }

            modules[m] = result;
        }

        return new AllocationResult(modules);
    }

    private static List<int>[] Validate(IReadOnlyList<AdapterSlot> adapters, bool[][] gates, LoraAdamW? optimizer, AllocationDecision decision)
    {
        var count = adapters.Count;
        foreach (var (list, name) in new[] { (decision.ActiveBefore, "ActiveBefore"), (decision.Added, "Added"), (decision.ActiveAfter, "ActiveAfter") })
        {
            if (list.Count != count)
            {
                throw new ArgumentException($"decision.{name} has {list.Count} entries but the model has {count} adapted modules", nameof(decision));
            }
        }

        var pruned = Enumerable.Range(0, count).Select(_ => new List<int>()).ToArray();
        foreach (var p in decision.Pruned)
        {
            if (p.ModuleIndex < 0 || p.ModuleIndex >= count)
            {
                throw new ArgumentException($"decision.Pruned names module {p.ModuleIndex}, outside the {count} adapted modules", nameof(decision));
            }

            var g = gates[p.ModuleIndex];
            if (p.Rank < 0 || p.Rank >= g.Length || !g[p.Rank] || pruned[p.ModuleIndex].Contains(p.Rank))
            {
                throw new ArgumentException(
                    $"decision.Pruned names rank {p.Rank} of '{adapters[p.ModuleIndex].Path}', which is not an active rank (or is named twice)", nameof(decision));
            }

            pruned[p.ModuleIndex].Add(p.Rank);
        }

        for (var m = 0; m < count; m++)
        {
            var active = gates[m].Count(on => on);
            if (active != decision.ActiveBefore[m])
            {
                throw new ArgumentException(
                    $"decision.ActiveBefore[{m}] is {decision.ActiveBefore[m]} but '{adapters[m].Path}' has {active} active ranks: the decision was made for another state",
                    nameof(decision));
            }

            if (decision.Added[m] < 0 || decision.ActiveAfter[m] != active - pruned[m].Count + decision.Added[m])
            {
                throw new ArgumentException(
                    $"decision for '{adapters[m].Path}' is inconsistent: {active} active - {pruned[m].Count} pruned + {decision.Added[m]} added != ActiveAfter {decision.ActiveAfter[m]}",
                    nameof(decision));
            }
        }

        if (optimizer is not null)
        {
            var names = optimizer.Names.ToHashSet(StringComparer.Ordinal);
            var missing = adapters.SelectMany(a => new[] { LoraAName(a.Path), LoraBName(a.Path) }).FirstOrDefault(n => !names.Contains(n));
            if (missing is not null)
            {
                throw new ArgumentException($"the optimizer has no parameter '{missing}'", nameof(optimizer));
            }
        }

        return pruned;
    }
}
