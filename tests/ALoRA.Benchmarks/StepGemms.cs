using System.Diagnostics;
using static TorchSharp.torch;

namespace ALoRA.Benchmarks;

/// <summary>
/// The matrix multiplies of one training step (or one no-grad forward) of a preset with LoRA on all 7 projections,
/// replayed as plain <c>matmul</c>s of the same shapes on random tensors in the same process. Their time is what the
/// step's GEMMs would cost at the plain-matmul rate of those shapes; divided by the measured step time it is the
/// step's GEMM share (1.0: the step is all GEMM at full rate; the rest is elementwise work, softmax, norms, autograd
/// and framework overhead, or GEMMs that ran slower than plain ones).
/// Forward: every projection, LoRA A and B, QK^T and AV (full, not causal-halved), the LM head. Step: the forward,
/// plus per GEMM the input gradient (same shape class), plus the LoRA A and B weight gradients, plus attention's
/// backward (dQ, dK, dV, dP), plus the LM head's input gradient; the frozen base has no weight gradients.
/// </summary>
public static class StepGemms
{
    /// <summary>One batched product [batch, m, k] x [batch, k, n], <c>Count</c> times per step.</summary>
    public sealed record Gemm(string Kind, long Batch, long M, long K, long N, int Count)
    {
        /// <summary>FLOPs (2 per multiply-add) of all <c>Count</c> products.</summary>
        public double Flops => 2.0 * Batch * M * K * N * Count;
    }

    /// <summary>The GEMMs of one step (<paramref name="training"/>) or one no-grad forward of <paramref name="preset"/> with LoRA rank <paramref name="rank"/>.</summary>
    public static List<Gemm> Of(Preset preset, int rank, bool training)
    {
        var c = preset.Config;
        long t = preset.Sequence - 1;
        var tokens = preset.Batch * t;
        long h = c.HiddenSize, f = c.IntermediateSize, q = c.NumAttentionHeads * c.HeadDim, kv = c.NumKeyValueHeads * c.HeadDim;
        var layers = c.NumHiddenLayers;
        var projections = new (long In, long Out)[] { (h, q), (h, kv), (h, kv), (q, h), (h, f), (h, f), (f, h) };
        var list = new List<Gemm>();
        foreach (var (inF, outF) in projections)
        {
            list.Add(new Gemm("projection", 1, tokens, inF, outF, layers));
            list.Add(new Gemm("lora", 1, tokens, inF, rank, layers));
            list.Add(new Gemm("lora", 1, tokens, rank, outF, layers));
            if (training)
            {
                list.Add(new Gemm("projection", 1, tokens, outF, inF, layers)); // dX through W
                list.Add(new Gemm("lora", 1, tokens, outF, rank, layers));      // d(Ax) through B
                list.Add(new Gemm("lora", 1, tokens, rank, inF, layers));       // dX through A
                list.Add(new Gemm("lora", 1, outF, tokens, rank, layers));      // dB = dY^T (Ax)
                list.Add(new Gemm("lora", 1, rank, tokens, inF, layers));       // dA = d(Ax)^T X
            }
        }

        var bh = (long)preset.Batch * c.NumAttentionHeads;
        list.Add(new Gemm("attention", bh, t, c.HeadDim, t, layers)); // Q K^T
        list.Add(new Gemm("attention", bh, t, t, c.HeadDim, layers)); // P V
        if (training)
        {
            list.Add(new Gemm("attention", bh, t, c.HeadDim, t, layers)); // dP = dO V^T
            list.Add(new Gemm("attention", bh, t, t, c.HeadDim, layers)); // dV = P^T dO
            list.Add(new Gemm("attention", bh, t, t, c.HeadDim, layers)); // dQ = dS K
            list.Add(new Gemm("attention", bh, t, t, c.HeadDim, layers)); // dK = dS^T Q
        }

        list.Add(new Gemm("lm_head", 1, tokens, h, c.VocabSize, 1));
        if (training)
        {
            list.Add(new Gemm("lm_head", 1, tokens, c.VocabSize, h, 1));
        }

        return list;
    }

    /// <summary>Seconds per kind (and "total") for the GEMMs <paramref name="gemms"/> as plain matmuls: median of <paramref name="repeats"/> after one warm-up.</summary>
    public static Dictionary<string, double> Time(IReadOnlyList<Gemm> gemms, int repeats = 5)
    {
        using var scope = NewDisposeScope();
        var operands = gemms.Select(g => (g, A: randn(g.Batch, g.M, g.K), B: randn(g.Batch, g.K, g.N))).ToList();
        var perKind = new Dictionary<string, List<double>>();
        for (var r = -1; r < repeats; r++)
        {
            var totals = new Dictionary<string, double>();
            foreach (var (g, a, b) in operands)
            {
                var sw = Stopwatch.StartNew();
                for (var i = 0; i < g.Count; i++)
                {
                    using var product = a.matmul(b);
                }

                totals[g.Kind] = totals.GetValueOrDefault(g.Kind) + sw.Elapsed.TotalSeconds;
            }

            if (r < 0)
            {
                continue;
            }

            totals["total"] = totals.Values.Sum();
            foreach (var (kind, seconds) in totals)
            {
                (perKind.TryGetValue(kind, out var l) ? l : perKind[kind] = []).Add(seconds);
            }
        }

        return perKind.ToDictionary(p => p.Key, p => p.Value.Order().ElementAt(p.Value.Count / 2));
    }
}
