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
/// <see cref="Fast"/> computes the same numbers with less work (section 8): the input of the module's block is
/// shared by all its variants (that of M for <c>M \ r</c>, that of the base model for <c>M_r</c>), so only the
/// blocks from the module's layer onward run, with the variants of a module stacked along the batch axis.
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
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static ScoreSet Fast(LlamaForCausalLM model, Batch batch, int maxVariantsPerPass = 16, Func<AdapterSlot, bool>? include = null,
                                CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxVariantsPerPass, 1);
        cancellationToken.ThrowIfCancellationRequested();
        using var session = new ScoringSession(model, batch, cancellationToken);
        var decoder = model.Decoder;
        var layers = decoder.LayerCount;
        var cost = new BlockCost(model.Config);
        var plan = Enumerable.Range(0, model.Adapters.Count)
            .Where(m => include is null || include(model.Adapters[m]))
            .Select(m => new PlannedModule(m, model.Adapters[m], model.Adapters[m].Module.Gates))
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
            var width = session.Ce.Ids(part).shape[1];
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
            BlockPrefix? currentPrefix = null, basePrefix = null;
            try
            {
                for (var k = 0; k < plan.Count; k++)
                {
                    var p = plan[k];
                    if (currentPrefix is null || !ReferenceEquals(currentPrefix.Layer, decoder.LayerAt(p.Layer)))
                    {
                        currentPrefix?.Dispose();
                        basePrefix?.Dispose();
                        currentPrefix = decoder.LayerAt(p.Layer).Prefix(current[p.Layer]);
                        basePrefix = decoder.LayerAt(p.Layer).Prefix(baseline[p.Layer]);
                    }

                    foreach (var chunk in p.Active.Chunk(maxVariantsPerPass))
                    {
                        var sums = VariantSums(session, p, currentPrefix, part, chunk.Select(i => WithOff(p.Gates, i)).ToArray(), disableOthers: false, cost, ref work);
                        var onlySums = VariantSums(session, p, basePrefix!, part, chunk.Select(i => OneHot(p.Gates.Length, i)).ToArray(), disableOthers: true, cost, ref work);
                        for (var v = 0; v < chunk.Length; v++)
                        {
                            without[k][chunk[v]] += sums[v];
                            only[k][chunk[v]] += onlySums[v];
                        }
                    }
                }
            }
            finally
            {
                currentPrefix?.Dispose();
                basePrefix?.Dispose();
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

    /// <summary>
    /// One pass over part <paramref name="part"/> of the batch for the variants <paramref name="variantGates"/> of one
    /// module: its block from <paramref name="prefix"/> (that of M, or of the base model when
    /// <paramref name="disableOthers"/>), then the blocks above, stacked; returns each variant's CE sum over the part.
    /// </summary>
    private static double[] VariantSums(ScoringSession session, PlannedModule module, BlockPrefix prefix, int part, bool[][] variantGates,
                                        bool disableOthers, BlockCost cost, ref double work)
    {
        session.BeforePass();
        var v = variantGates.Length;
        var decoder = session.Model.Decoder;
        var adapter = module.Slot.Module;
        using var scope = NewDisposeScope();
        var gates = tensor(variantGates.SelectMany(g => g.Select(on => on ? 1f : 0f)).ToArray(), [v, variantGates[0].Length]);
        adapter.SetVariantGates(gates);
        if (disableOthers)
        {
            session.DisableAllExcept(module.Index);
        }

        try
        {
            var block = decoder.LayerAt(module.Layer);
            var kind = block.ProjectionOf(adapter);
            var before = prefix.Computed;
            var output = kind is null
                ? block.forward(prefix.Input.repeat(v, 1, 1))
                : block.ForwardVariants(prefix, adapter);
            var final = decoder.ForwardLayers(output, module.Layer + 1);
            var sums = session.Ce.Sum(session.Model, part, final, v);
            var blocks = cost.VariantPass(kind, v, prefix.Computed & ~before, prefix.Input.shape[1], decoder.LayerCount - module.Layer - 1);
            work += session.Ce.Share(part) * blocks / decoder.LayerCount;
            return sums;
        }
        finally
        {
            adapter.SetVariantGates(null);
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

    /// <summary>An adapter to score, its gates and active ranks, and its block.</summary>
    private sealed record PlannedModule(int Index, AdapterSlot Slot, bool[] Gates)
    {
        public int Layer { get; } = Math.Max(0, Slot.Layer);

        public int[] Active { get; } = Enumerable.Range(0, Gates.Length).Where(i => Gates[i]).ToArray();
    }
}
