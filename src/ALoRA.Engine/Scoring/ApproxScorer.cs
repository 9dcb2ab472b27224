using ALoRA.Engine.Allocation;
using ALoRA.Engine.Data;
using ALoRA.Engine.Lora;
using ALoRA.Engine.Model;
using static TorchSharp.torch;

namespace ALoRA.Engine.Scoring;

/// <summary>
/// First-order AB-LoRA scores from gate gradients (<c>approx</c>, docs/alora-method.md section 3): every rank's gate
/// becomes a continuous c_r, and two forward+backward passes over B_val give all ranks at once:
/// with c = the current gates (the network M), <c>CE(M \ r) - CE(M) ≈ -dCE/dc_r</c> (moving c_r from 1 to 0); with
/// c = 0 everywhere (the base model), <c>CE(M_r) - CE(base) ≈ dCE/dc_r</c> (moving only c_r from 0 to 1). So
/// <c>IS ≈ -dCE/dc_r|M - CE(base) - dCE/dc_r|base</c>, with CE(M) and CE(base) exact from the two forwards.
/// The cost is 2 x (forward + backward) = 6 forward-equivalents (a backward counted as 2 forwards) whatever the
/// number of ranks. Eval mode; the LoRA weights are frozen for the passes (no gradient reaches them), and the
/// model's mode, gates and requires-grad flags are restored afterwards, also on cancellation or error.
/// </summary>
public static class ApproxScorer
{
    /// <summary>Forward-equivalents of one approx scoring: two passes of one forward and one backward (= 2 forwards) each.</summary>
    public const double ForwardEquivalents = 6;

    /// <summary>Estimates every active rank's CE(M\r), CE(M_r) and IS on <paramref name="batch"/>.</summary>
    /// <param name="model">The network M.</param>
    /// <param name="batch">B_val.</param>
    /// <param name="include">Scores only the ranks of adapters it accepts (null: all); the network itself is unchanged.</param>
    /// <param name="cancellationToken">Checked before every pass over a part of the batch; the network is restored when it fires.</param>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static ScoreSet Score(LlamaForCausalLM model, Batch batch, Func<AdapterSlot, bool>? include = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (model.Adapters.Count == 0)
        {
            throw new ArgumentException("the model has no adapters to score");
        }

        var wasTraining = model.training;
        var loraParameters = model.Adapters.SelectMany(a => new[] { a.Module.LoraA, a.Module.LoraB }).ToArray();
        var requiresGrad = loraParameters.Select(p => p.requires_grad).ToArray();
        var gates = model.Adapters.Select(a => a.Module.Gates).ToArray();
        var device = model.Decoder.EmbedTokens.weight!.device;
        try
        {
            model.eval();
            foreach (var p in loraParameters)
            {
                p.requires_grad = false;
            }

            using var ce = new ValidationCe(batch, device);
            var (ceM, gradM) = Pass(model, ce, g => g, device, cancellationToken);
            var (ceBase, gradBase) = Pass(model, ce, g => new bool[g.Length], device, cancellationToken);
            var scores = new List<RankScore>();
            for (var m = 0; m < model.Adapters.Count; m++)
            {
                var slot = model.Adapters[m];
                if (include is not null && !include(slot))
                {
                    continue;
                }

                for (var i = 0; i < gates[m].Length; i++)
                {
                    if (!gates[m][i])
                    {
                        continue;
                    }

                    var without = ceM - gradM[m][i];
                    var only = ceBase + gradBase[m][i];
                    scores.Add(new RankScore(m, slot.Path, i, without, only, without - ceM - only));
                }
            }

            return new ScoreSet(ceM, scores, ForwardEquivalents);
        }
        finally
        {
            foreach (var slot in model.Adapters)
            {
                slot.Module.SetContinuousGates(null);
            }

            for (var i = 0; i < loraParameters.Length; i++)
            {
                loraParameters[i].requires_grad = requiresGrad[i];
            }

            model.train(wasTraining);
        }
    }

    /// <summary>One forward+backward over every part of the batch with continuous gates <paramref name="gatesOf"/>(stored gates); returns CE and dCE/dc per module.</summary>
    private static (double Ce, double[][] Gradients) Pass(LlamaForCausalLM model, ValidationCe ce, Func<bool[], bool[]> gatesOf, Device device,
                                                         CancellationToken cancellationToken)
    {
        var adapters = model.Adapters;
        var gradients = adapters.Select(a => new double[a.Module.Rank]).ToArray();
        var withRanks = Enumerable.Range(0, adapters.Count).Where(m => adapters[m].Module.Rank > 0).ToArray();
        double sum = 0;
        using var enable = enable_grad();
        for (var part = 0; part < ce.PartCount; part++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var leaves = new Tensor[withRanks.Length];
            for (var k = 0; k < withRanks.Length; k++)
            {
                var module = adapters[withRanks[k]].Module;
                var values = gatesOf(module.Gates).Select(on => on ? 1f : 0f).ToArray();
                leaves[k] = tensor(values, device: device).requires_grad_(true);
                module.SetContinuousGates(leaves[k]);
            }

            try
            {
                var loss = ce.SumWithGraph(model, part, model.ForwardHidden(ce.Ids(part)));
                if (loss is null)
                {
                    continue;
                }

                sum += loss.to(ScalarType.Float64).item<double>();
                if (leaves.Length == 0)
                {
                    continue;
                }

                var grads = autograd.grad([loss], leaves, allow_unused: true);
                for (var k = 0; k < leaves.Length; k++)
                {
                    if (grads[k] is not { } grad || grad.IsInvalid)
                    {
                        continue;
                    }

                    var values = grad.to(ScalarType.Float64).cpu().data<double>().ToArray();
                    var target = gradients[withRanks[k]];
                    for (var i = 0; i < values.Length; i++)
                    {
                        target[i] += values[i];
                    }
                }
            }
            finally
            {
                foreach (var m in withRanks)
                {
                    adapters[m].Module.SetContinuousGates(null);
                }
            }
        }

        // Sums of per-token CE over all parts, divided by the batch's target count: the token-weighted mean and its gradient.
        foreach (var g in gradients)
        {
            for (var i = 0; i < g.Length; i++)
            {
                g[i] /= ce.TargetCount;
            }
        }

        return (sum / ce.TargetCount, gradients);
    }
}
