using ALoRA.Engine.Data;
using ALoRA.Engine.Model;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ALoRA.Engine.Scoring;

/// <summary>
/// Mean token cross-entropy on a fixed batch's target positions (labels already shifted), for V stacked variants of
/// the batch at once. The batch is split into length-sorted parts, each trimmed to its own longest row, so padding
/// costs nothing; per-token CE is summed in float64 over all parts and divided by the batch's target count, which
/// is exactly the token-weighted mean over the whole batch.
/// </summary>
internal sealed class ValidationCe : IDisposable
{
    private readonly List<Part> _parts = [];

    public ValidationCe(Batch batch, Device device, int rowsPerPart = 8)
    {
        if (batch.TargetTokenCount == 0)
        {
            throw new ArgumentException("the validation batch has no target tokens to score");
        }

        TargetCount = batch.TargetTokenCount;
        var order = Enumerable.Range(0, batch.BatchSize).OrderBy(r => batch.Lengths[r]).ThenBy(r => r).ToArray();
        foreach (var rows in order.Chunk(rowsPerPart))
        {
            _parts.Add(Part.Create(batch, rows, device));
        }
    }

    /// <summary>Number of parts.</summary>
    public int PartCount => _parts.Count;

    /// <summary>Target tokens of the whole batch.</summary>
    public int TargetCount { get; }

    /// <summary>Part <paramref name="part"/>'s share of the batch's token cells (rows x width, over all parts).</summary>
    public double Share(int part) => (double)_parts[part].Ids.numel() / _parts.Sum(p => p.Ids.numel());

    /// <summary>Token ids of part <paramref name="part"/>.</summary>
    public Tensor Ids(int part) => _parts[part].Ids;

    /// <summary>Sum of per-token CE of each of the <paramref name="variants"/> stacked blocks of part <paramref name="part"/>.</summary>
    public double[] Sum(LlamaForCausalLM model, int part, Tensor finalHidden, int variants)
    {
        var p = _parts[part];
        var result = new double[variants];
        if (p.Positions.Length == 0)
        {
            return result;
        }

        using var scope = NewDisposeScope();
        var cells = p.Ids.shape[0] * p.Ids.shape[1];
        var rows = new long[variants * p.Positions.Length];
        for (var v = 0; v < variants; v++)
        {
            for (var k = 0; k < p.Positions.Length; k++)
            {
                rows[(v * p.Positions.Length) + k] = (v * cells) + p.Positions[k];
            }
        }

        var flat = finalHidden.view(-1, finalHidden.shape[2]);
        var logits = model.LmHead(flat.index_select(0, tensor(rows, device: flat.device)));
        var ce = F.cross_entropy(logits, p.Targets.repeat(variants), reduction: nn.Reduction.None);
        using var perVariant = ce.to(ScalarType.Float64).view(variants, p.Positions.Length).sum([1L]).cpu();
        return perVariant.data<double>().ToArray();
    }

    /// <summary>
    /// Sum of per-token CE of part <paramref name="part"/> as a scalar tensor that keeps the autograd graph (for gate
    /// gradients); null when the part has no target tokens.
    /// </summary>
    public Tensor? SumWithGraph(LlamaForCausalLM model, int part, Tensor finalHidden)
    {
        var p = _parts[part];
        if (p.Positions.Length == 0)
        {
            return null;
        }

        using var scope = NewDisposeScope();
        var flat = finalHidden.view(-1, finalHidden.shape[2]);
        var logits = model.LmHead(flat.index_select(0, tensor(p.Positions, device: flat.device)));
        return F.cross_entropy(logits.to(ScalarType.Float32), p.Targets, reduction: nn.Reduction.Sum).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        foreach (var p in _parts)
        {
            p.Ids.Dispose();
            p.Targets.Dispose();
        }
    }

    private sealed record Part(Tensor Ids, long[] Positions, Tensor Targets)
    {
        public static Part Create(Batch batch, int[] rows, Device device)
        {
            var width = rows.Max(r => batch.Lengths[r]);
            var ids = new long[rows.Length * width];
            var positions = new List<long>();
            var targets = new List<long>();
            for (var i = 0; i < rows.Length; i++)
            {
                for (var t = 0; t < width; t++)
                {
                    var source = (rows[i] * batch.SequenceLength) + t;
                    ids[(i * width) + t] = batch.InputIds[source];
                    if (batch.Labels[source] != Batch.IgnoreIndex)
                    {
                        positions.Add((i * width) + t);
                        targets.Add(batch.Labels[source]);
                    }
                }
            }

            return new Part(
                tensor(ids, device: device).view(rows.Length, width).DetachFromDisposeScope(),
                positions.ToArray(),
                tensor(targets.ToArray(), device: device).DetachFromDisposeScope());
        }
    }
}
