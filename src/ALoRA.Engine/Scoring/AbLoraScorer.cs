using ALoRA.Engine.Allocation;
using ALoRA.Engine.Data;
using ALoRA.Engine.Lora;
using ALoRA.Engine.Model;
using static TorchSharp.torch;

namespace ALoRA.Engine.Scoring;

/// <summary>
/// AB-LoRA importance scores (docs/alora-method.md section 3) on one fixed validation batch, under no-grad in eval mode:
/// for every active rank r, <c>CE(M \ r)</c> (only r switched off) and <c>CE(M_r)</c> (r the only active rank in
/// the whole network), and <c>IS = CE(M \ r) - CE(M) - CE(M_r)</c>.
/// <see cref="Reference"/> follows the definition literally (one full forward per variant);
/// <see cref="Fast"/> computes the same numbers with less work (section 8): the input of the module's block and the
/// part of the block before the module (<see cref="BlockPrefix"/>) are shared by all its variants (those of M for
/// <c>M \ r</c>, those of the base model for <c>M_r</c>), so only the rest of the block and the blocks above run per
/// variant, with the variants of the modules of one block stacked along the batch axis.
/// Both paths run the batch in length-sorted parts trimmed to their longest row (<see cref="ValidationCe"/>), so
/// padding costs nothing; with right padding and causal attention this changes no number.
/// </summary>
public static class AbLoraScorer
{
    /// <summary>CE(M): the current network's mean token cross-entropy on <paramref name="batch"/>'s targets (eval mode, no-grad).</summary>
    public static double BaseCe(LlamaForCausalLM model, Batch batch)
    {
        using var session = new ScoringSession(model, batch);
        return session.FullForwardCe();
    }

    /// <summary>The plain definition: 1 + 2 x (active ranks) full forward passes.</summary>
    /// <param name="model">The network M.</param>
    /// <param name="batch">B_val.</param>
    /// <param name="include">Scores only the ranks of adapters it accepts (null: all); the network itself is unchanged.</param>
    /// <param name="cancellationToken">Checked before every forward pass; the network is restored when it fires.</param>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static ScoreSet Reference(LlamaForCausalLM model, Batch batch, Func<AdapterSlot, bool>? include = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var session = new ScoringSession(model, batch, cancellationToken);
        var baseCe = session.FullForwardCe();
        var scores = new List<RankScore>();
        for (var m = 0; m < model.Adapters.Count; m++)
        {
            if (include is not null && !include(model.Adapters[m]))
            {
                continue;
            }

            var module = model.Adapters[m].Module;
            var gates = module.Gates;
            for (var i = 0; i < gates.Length; i++)
            {
                if (!gates[i])
                {
                    continue;
                }

                var without = (bool[])gates.Clone();
                without[i] = false;
                double ceWithout, ceOnly;
                try
                {
                    module.SetGates(without);
                    ceWithout = session.FullForwardCe();

                    var only = new bool[gates.Length];
                    only[i] = true;
                    module.SetGates(only);
                    session.DisableAllExcept(m);
                    ceOnly = session.FullForwardCe();
                }
                finally
                {
                    session.EnableAll();
                    module.SetGates(gates);
                }

                scores.Add(new RankScore(m, model.Adapters[m].Path, i, ceWithout, ceOnly, ceWithout - baseCe - ceOnly));
            }
        }

        return new ScoreSet(baseCe, scores, 1 + (2.0 * scores.Count));
    }

    /// <summary>
    /// Same scores as <see cref="Reference"/> (to float tolerance) with prefix reuse and variant stacking; at most
    /// <paramref name="maxVariantsPerPass"/> variants share one batched pass.
    /// </summary>
    /// <param name="model">The network M.</param>
    /// <param name="batch">B_val.</param>
    /// <param name="maxVariantsPerPass">Variants stacked on the batch axis of one pass.</param>
    /// <param name="include">Scores only the ranks of adapters it accepts (null: all); the network itself is unchanged.</param>
    /// <param name="cancellationToken">Checked before every forward pass over a part of the batch; the network is restored when it fires.</param>
    /// <param name="includeRank">Scores only the (adapter, physical rank) pairs it accepts (null: all); the network itself is unchanged.</param>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static ScoreSet Fast(LlamaForCausalLM model, Batch batch, int maxVariantsPerPass = 16, Func<AdapterSlot, bool>? include = null,
                                CancellationToken cancellationToken = default, Func<AdapterSlot, int, bool>? includeRank = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxVariantsPerPass, 1);
        cancellationToken.ThrowIfCancellationRequested();
        using var session = new ScoringSession(model, batch, cancellationToken);
        var decoder = model.Decoder;
        var layers = decoder.LayerCount;
        var cost = new BlockCost(model.Config);
        var plan = Enumerable.Range(0, model.Adapters.Count)
            .Where(m => include is null || include(model.Adapters[m]))
            .Select(m => PlannedModule.Of(m, model.Adapters[m], includeRank))
            .Where(p => p.Active.Length > 0)
            .ToList();
        var without = plan.Select(p => new double[p.Gates.Length]).ToArray();
        var only = plan.Select(p => new double[p.Gates.Length]).ToArray();
        var topLayer = plan.Count == 0 ? 0 : plan.Max(p => p.Layer);
        double baseSum = 0, work = 0;

        // Part by part (the sums over parts are taken in part order, as in the reference): the inputs of every block for
        // the current network M and for the base model, then every variant from its block's shared prefix on.
        for (var part = 0; part < session.Ce.PartCount; part++)
        {
            using var partScope = NewDisposeScope();
            var share = session.Ce.Share(part);
            session.BeforePass();
            var current = new Tensor[layers];
            var final = decoder.ForwardLayers(decoder.Embed(session.Ce.Ids(part)), 0, (i, h) => current[i] = h);
            baseSum += session.Ce.Sum(model, part, final, 1)[0];
            work += share;
            if (plan.Count == 0)
            {
                continue;
            }

            // The base model's block inputs, up to the highest block scored.
            session.BeforePass();
            var baseline = new Tensor[layers];
            session.DisableAllExcept(-1);
            try
            {
                baseline[topLayer] = decoder.ForwardLayers(decoder.Embed(session.Ce.Ids(part)), 0, topLayer, (i, h) => baseline[i] = h);
            }
            finally
            {
                session.EnableAll();
            }

            work += share * topLayer / layers;

            // The variants of the modules of one block share its prefix and, per mode (M \ r or M_r), the blocks above
            // (all adapters on, or all off): they are packed into passes of at most maxVariantsPerPass.
            foreach (var block in plan.Select((p, k) => (p, k)).GroupBy(x => x.p.Layer))
            {
                using var currentPrefix = decoder.LayerAt(block.Key).Prefix(current[block.Key]);
                using var basePrefix = decoder.LayerAt(block.Key).Prefix(baseline[block.Key]);
                var items = block.SelectMany(x => x.p.Active.Chunk(maxVariantsPerPass).Select(chunk => new VariantItem(x.k, x.p, chunk)));
                foreach (var pass in Pack(items, maxVariantsPerPass))
                {
                    var sums = VariantSums(session, pass, currentPrefix, part, withoutRank: true, cost, ref work);
                    var onlySums = VariantSums(session, pass, basePrefix, part, withoutRank: false, cost, ref work);
                    var v = 0;
                    foreach (var item in pass)
                    {
                        foreach (var rank in item.Ranks)
                        {
                            without[item.PlanIndex][rank] += sums[v];
                            only[item.PlanIndex][rank] += onlySums[v];
                            v++;
                        }
                    }
                }
            }
        }

        var baseCe = baseSum / session.Ce.TargetCount;
        var scores = new List<RankScore>();
        for (var k = 0; k < plan.Count; k++)
        {
            foreach (var i in plan[k].Active)
            {
                var (ceWithout, ceOnly) = (without[k][i] / session.Ce.TargetCount, only[k][i] / session.Ce.TargetCount);
                scores.Add(new RankScore(plan[k].Index, plan[k].Slot.Path, i, ceWithout, ceOnly, ceWithout - baseCe - ceOnly));
            }
        }

        return new ScoreSet(baseCe, scores, work);
    }

    /// <summary>Consecutive items, packed into passes of at most <paramref name="max"/> variants.</summary>
    private static List<List<VariantItem>> Pack(IEnumerable<VariantItem> items, int max)
    {
        var passes = new List<List<VariantItem>>();
        foreach (var item in items)
        {
            if (passes.Count == 0 || passes[^1].Sum(i => i.Ranks.Length) + item.Ranks.Length > max)
            {
                passes.Add([]);
            }

            passes[^1].Add(item);
        }

        return passes;
    }

    /// <summary>
    /// One pass over part <paramref name="part"/> of the batch for the variants of the modules of one block in
    /// <paramref name="pass"/>: M \ r (<paramref name="withoutRank"/>, from the prefix of M, all other adapters on) or
    /// M_r (from the base model's prefix, every other adapter off). Each module's block output comes from the shared
    /// prefix; the outputs are stacked and run through the blocks above once. Returns each variant's CE sum over the
    /// part, in pass order.
    /// </summary>
    private static double[] VariantSums(ScoringSession session, List<VariantItem> pass, BlockPrefix prefix, int part, bool withoutRank,
                                        BlockCost cost, ref double work)
    {
        session.BeforePass();
        var decoder = session.Model.Decoder;
        var block = prefix.Layer;
        var layer = pass[0].Module.Layer;
        var outputs = new List<Tensor>();
        double blocks = 0;
        using var scope = NewDisposeScope();
        try
        {
            foreach (var item in pass)
            {
                var adapter = item.Module.Slot.Module;
                var gates = item.Module.Gates;
                var variantGates = item.Ranks.Select(i => withoutRank ? WithOff(gates, i) : OneHot(gates.Length, i)).ToArray();
                using var gateTensor = tensor(variantGates.SelectMany(g => g.Select(on => on ? 1f : 0f)).ToArray(), [variantGates.Length, gates.Length],
                    dtype: adapter.LoraA.dtype, device: adapter.LoraA.device);
                adapter.SetVariantGates(gateTensor);
                if (!withoutRank)
                {
                    session.DisableAllExcept(item.Module.Index);
                }

                try
                {
                    var kind = block.ProjectionOf(adapter);
                    var before = prefix.Computed;
                    outputs.Add(kind is null ? block.forward(prefix.Input.repeat(variantGates.Length, 1, 1)) : block.ForwardVariants(prefix, adapter));
                    blocks += cost.VariantPass(kind, variantGates.Length, prefix.Computed & ~before, prefix.Input.shape[1], blocksAbove: 0);
                }
                finally
                {
                    adapter.SetVariantGates(null);
                }
            }

            // Above the block every variant of M \ r has all adapters on, every variant of M_r all off.
            if (withoutRank)
            {
                session.EnableAll();
            }
            else
            {
                session.DisableAllExcept(-1);
            }

            var v = pass.Sum(i => i.Ranks.Length);
            var final = decoder.ForwardLayers(outputs.Count == 1 ? outputs[0] : cat(outputs, 0), layer + 1);
            var sums = session.Ce.Sum(session.Model, part, final, v);
            blocks += (double)v * (decoder.LayerCount - layer - 1);
            work += session.Ce.Share(part) * blocks / decoder.LayerCount;
            return sums;
        }
        finally
        {
            session.EnableAll();
        }
    }

    private static bool[] WithOff(bool[] gates, int index)
    {
        var g = (bool[])gates.Clone();
        g[index] = false;
        return g;
    }

    private static bool[] OneHot(int length, int index)
    {
        var g = new bool[length];
        g[index] = true;
        return g;
    }

    /// <summary>Some active ranks of one planned module (its index in the plan), scored in one pass.</summary>
    private sealed record VariantItem(int PlanIndex, PlannedModule Module, int[] Ranks);

    /// <summary>An adapter to score, its gates and active ranks, and its block.</summary>
    private sealed record PlannedModule(int Index, AdapterSlot Slot, bool[] Gates, int[] Active)
    {
        public int Layer { get; } = Math.Max(0, Slot.Layer);

        /// <summary>Adapter <paramref name="index"/>: its active ranks that <paramref name="includeRank"/> accepts.</summary>
        public static PlannedModule Of(int index, AdapterSlot slot, Func<AdapterSlot, int, bool>? includeRank)
        {
            var gates = slot.Module.Gates;
            var active = Enumerable.Range(0, gates.Length).Where(i => gates[i] && (includeRank is null || includeRank(slot, i))).ToArray();
            return new PlannedModule(index, slot, gates, active);
        }
    }
}
