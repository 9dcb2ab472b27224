namespace ALoRA.Engine.Allocation;

/// <summary>
/// The allocation step of the ALoRA loop (docs/alora-method.md section 4), as pure decision logic (no torch):
/// prune the n_A lowest-scoring active ranks; U := the modules that lost no rank this round (a module with no
/// active rank that lost nothing is in U); if U is not empty, give each module of U <c>floor(n_A / |U|)</c> new
/// ranks and the remaining <c>n_A mod |U|</c> one each to the modules of U with the highest average importance
/// this round (modules without scored ranks come after all modules with one; ties by lower module index).
/// Ties in importance are pruned in the order (importance, module index, rank), so a decision depends only on
/// its inputs. The budget never grows: <see cref="AllocationDecision.TotalAfter"/> &lt;= <see cref="AllocationDecision.TotalBefore"/>.
/// </summary>
public static class RankAllocator
{
    /// <summary>
    /// Decides one round for compacted modules, whose active ranks are physical indices <c>0 .. count - 1</c>
    /// (the state <see cref="AllocationApplier.Apply"/> leaves every module in).
    /// </summary>
    /// <param name="activeRanksPerModule">Active ranks per module, in model order (index = <see cref="RankScore.ModuleIndex"/>).</param>
    /// <param name="scores">Exactly one score per active rank.</param>
    /// <param name="nA">n_A, the ranks to prune (and to add); 1 .. total active ranks.</param>
    /// <exception cref="ArgumentException">An input is invalid; the message names the field.</exception>
    public static AllocationDecision Decide(IReadOnlyList<int> activeRanksPerModule, IReadOnlyList<RankScore> scores, int nA)
    {
        ArgumentNullException.ThrowIfNull(activeRanksPerModule);
        var gates = new bool[activeRanksPerModule.Count][];
        for (var m = 0; m < gates.Length; m++)
        {
            if (activeRanksPerModule[m] < 0)
            {
                throw new ArgumentException($"activeRanksPerModule[{m}] must be >= 0, got {activeRanksPerModule[m]}", nameof(activeRanksPerModule));
            }

            gates[m] = Enumerable.Repeat(true, activeRanksPerModule[m]).ToArray();
        }

        return DecideCore(gates, nameof(activeRanksPerModule), scores, nA);
    }

    /// <summary>
    /// Decides one round from every module's physical gates (e.g. <c>model.Adapters[m].Module.Gates</c>), for modules
    /// that may still hold gated-off ranks: a rank is active when its gate is on.
    /// </summary>
    /// <param name="gatesPerModule">Gate of every physical rank, per module in model order.</param>
    /// <param name="scores">Exactly one score per active rank.</param>
    /// <param name="nA">n_A, the ranks to prune (and to add); 1 .. total active ranks.</param>
    /// <param name="prunable">
    /// Only these (module index, rank) pairs may be pruned (null: every scored rank), e.g. the <c>hybrid</c> scorer's
    /// shortlist (<see cref="Scoring.ScoreSet.Shortlist"/>); the module averages still use every score.
    /// </param>
    /// <exception cref="ArgumentException">An input is invalid; the message names the field.</exception>
    public static AllocationDecision Decide(IReadOnlyList<IReadOnlyList<bool>> gatesPerModule, IReadOnlyList<RankScore> scores, int nA,
                                            IReadOnlySet<(int ModuleIndex, int Rank)>? prunable = null)
    {
        ArgumentNullException.ThrowIfNull(gatesPerModule);
        var gates = new bool[gatesPerModule.Count][];
        for (var m = 0; m < gates.Length; m++)
        {
            gates[m] = gatesPerModule[m]?.ToArray()
                       ?? throw new ArgumentException($"gatesPerModule[{m}] is null", nameof(gatesPerModule));
        }

        return DecideCore(gates, nameof(gatesPerModule), scores, nA, prunable);
    }

    private static AllocationDecision DecideCore(bool[][] gates, string modulesName, IReadOnlyList<RankScore> scores, int nA,
                                                 IReadOnlySet<(int ModuleIndex, int Rank)>? prunable = null)
    {
        ArgumentNullException.ThrowIfNull(scores);
        if (nA < 1)
        {
            throw new ArgumentException($"n_A must be >= 1, got {nA}", nameof(nA));
        }

        if (gates.Length == 0)
        {
            throw new ArgumentException($"{modulesName} must list at least one module", modulesName);
        }

        var active = gates.Select(g => g.Count(on => on)).ToArray();
        var total = active.Sum();
        if (nA > total)
        {
            throw new ArgumentException($"n_A ({nA}) exceeds the {total} active ranks", nameof(nA));
        }

        ValidateScores(gates, active, scores);

        var candidates = prunable is null ? scores : scores.Where(s => prunable.Contains((s.ModuleIndex, s.Rank))).ToList();
        if (candidates.Count < nA)
        {
            throw new ArgumentException($"n_A ({nA}) exceeds the {candidates.Count} prunable ranks", nameof(prunable));
        }

        var pruned = candidates.OrderBy(s => s.Importance).ThenBy(s => s.ModuleIndex).ThenBy(s => s.Rank)
                           .Take(nA).Select(s => new PrunedRank(s.ModuleIndex, s.Rank)).ToArray();
        var lost = new int[gates.Length];
        foreach (var p in pruned)
        {
            lost[p.ModuleIndex]++;
        }

        var averages = new double?[gates.Length];
        foreach (var group in scores.GroupBy(s => s.ModuleIndex))
        {
            // Summed in rank order, so the average does not depend on the order of the score list.
            averages[group.Key] = group.OrderBy(s => s.Rank).Sum(s => s.Importance) / group.Count();
        }

        var receivers = Enumerable.Range(0, gates.Length).Where(m => lost[m] == 0).ToArray();
        var added = new int[gates.Length];
        if (receivers.Length > 0)
        {
            var share = nA / receivers.Length;
            foreach (var m in receivers)
            {
                added[m] = share;
            }

            var byAverage = receivers.OrderBy(m => averages[m] is null ? 1 : 0)
                                     .ThenByDescending(m => averages[m] ?? 0.0)
                                     .ThenBy(m => m);
            foreach (var m in byAverage.Take(nA % receivers.Length))
            {
                added[m]++;
            }
        }

        var after = active.Select((a, m) => a - lost[m] + added[m]).ToArray();
        return new AllocationDecision(nA, active, pruned, receivers, averages, added, after);
    }

    private static void ValidateScores(bool[][] gates, int[] active, IReadOnlyList<RankScore> scores)
    {
        var seen = new HashSet<(int Module, int Rank)>();
        for (var i = 0; i < scores.Count; i++)
        {
            var s = scores[i] ?? throw new ArgumentException($"scores[{i}] is null", nameof(scores));
            if (s.ModuleIndex < 0 || s.ModuleIndex >= gates.Length)
            {
                throw new ArgumentException(
                    $"scores[{i}].ModuleIndex is {s.ModuleIndex} ('{s.ModulePath}'), outside the {gates.Length} modules", nameof(scores));
            }

            var g = gates[s.ModuleIndex];
            if (s.Rank < 0 || s.Rank >= g.Length || !g[s.Rank])
            {
                throw new ArgumentException(
                    $"scores[{i}] is for rank {s.Rank} of module {s.ModuleIndex} ('{s.ModulePath}'), which is not active " +
                    $"(the module has {active[s.ModuleIndex]} active of {g.Length} physical ranks)", nameof(scores));
            }

            if (!seen.Add((s.ModuleIndex, s.Rank)))
            {
                throw new ArgumentException(
                    $"scores[{i}] repeats rank {s.Rank} of module {s.ModuleIndex} ('{s.ModulePath}')", nameof(scores));
            }

            if (!double.IsFinite(s.Importance))
            {
                throw new ArgumentException(
                    $"scores[{i}].Importance of rank {s.Rank} of module {s.ModuleIndex} ('{s.ModulePath}') is {s.Importance}; it must be finite",
                    nameof(scores));
            }
        }

        var total = active.Sum();
        if (seen.Count == total)
        {
            return;
        }

        var missing = Enumerable.Range(0, gates.Length)
                                .SelectMany(m => Enumerable.Range(0, gates[m].Length).Where(r => gates[m][r]).Select(r => (m, r)))
                                .First(p => !seen.Contains(p));
        throw new ArgumentException(
            $"scores has no entry for rank {missing.r} of module {missing.m}: every active rank must be scored ({seen.Count} of {total} are)",
            nameof(scores));
    }
}
