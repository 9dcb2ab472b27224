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
    /// <param name="includeRank">Scores only the (adapter, physical rank) pairs it accepts (null: all); the network itself is unchanged.</param>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static ScoreSet Fast(LlamaForCausalLM model, Batch batch, int maxVariantsPerPass = 16, Func<AdapterSlot, bool>? include = null,
                                CancellationToken cancellationToken = default, Func<AdapterSlot, int, bool>? includeRank = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxVariantsPerPass, 1);
        cancellationToken.ThrowIfCancellationRequested();
        using var session = new ScoringSession(model, batch, cancellationToken);
        var layers = model.Decoder.LayerCount;
        using var scope = NewDisposeScope();

        // Inputs of every block, per part of the batch: of the current network M, and of the base model.
        var parts = session.Ce.PartCount;
        var currentInputs = new Tensor[parts][];
        var baseInputs = new Tensor[parts][];
        double baseSum = 0;
        for (var part = 0; part < parts; part++)
        {
            session.BeforePass();
            var current = currentInputs[part] = new Tensor[layers];
            var final = model.Decoder.ForwardLayers(model.Decoder.Embed(session.Ce.Ids(part)), 0, (i, h) => current[i] = h);
            baseSum += session.Ce.Sum(model, part, final, 1)[0];
            session.DisableAllExcept(-1);
            var baseline = baseInputs[part] = new Tensor[layers];
            model.Decoder.ForwardLayers(model.Decoder.Embed(session.Ce.Ids(part)), 0, (i, h) => baseline[i] = h);
            session.EnableAll();
        }

        var baseCe = baseSum / session.Ce.TargetCount;
        var scores = new List<RankScore>();
        double work = 2;
        for (var m = 0; m < model.Adapters.Count; m++)
        {
            var slot = model.Adapters[m];
            if (include is not null && !include(slot))
            {
                continue;
            }

            var layer = Math.Max(0, slot.Layer);
            var gates = slot.Module.Gates;
            var active = Enumerable.Range(0, gates.Length).Where(i => gates[i] && (includeRank is null || includeRank(slot, i))).ToArray();
            foreach (var chunk in active.Chunk(maxVariantsPerPass))
            {
                var without = VariantCe(session, slot.Module, m, currentInputs, layer, chunk.Select(i => WithOff(gates, i)).ToArray(), disableOthers: false);
                var only = VariantCe(session, slot.Module, m, baseInputs, layer, chunk.Select(i => OneHot(gates.Length, i)).ToArray(), disableOthers: true);
                for (var v = 0; v < chunk.Length; v++)
                {
                    scores.Add(new RankScore(m, slot.Path, chunk[v], without[v], only[v], without[v] - baseCe - only[v]));
                }

                work += 2.0 * chunk.Length * (layers - layer) / layers;
            }
        }

        return new ScoreSet(baseCe, scores, work);
    }

    private static double[] VariantCe(ScoringSession session, GatedLoraLinear module, int moduleIndex, Tensor[][] layerInputs, int layer,
                                      bool[][] variantGates, bool disableOthers)
    {
        var v = variantGates.Length;
        using var gates = tensor(variantGates.SelectMany(g => g.Select(on => on ? 1f : 0f)).ToArray(), [v, variantGates[0].Length],
            dtype: module.LoraA.dtype, device: module.LoraA.device);
        module.SetVariantGates(gates);
        if (disableOthers)
        {
            session.DisableAllExcept(moduleIndex);
        }

        try
        {
            var sums = new double[v];
            for (var part = 0; part < layerInputs.Length; part++)
            {
                session.BeforePass();
                using var scope = NewDisposeScope();
                var final = session.Model.Decoder.ForwardLayers(layerInputs[part][layer].repeat(v, 1, 1), layer);
                var partSums = session.Ce.Sum(session.Model, part, final, v);
                for (var i = 0; i < v; i++)
                {
                    sums[i] += partSums[i];
                }
            }

            return sums.Select(s => s / session.Ce.TargetCount).ToArray();
        }
        finally
        {
            module.SetVariantGates(null);
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
}
