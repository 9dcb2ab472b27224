using ALoRA.Engine.Data;
using ALoRA.Engine.Model;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ALoRA.Engine.Scoring;

/// <summary>
/// Mean token cross-entropy on a fixed batch's target positions (labels already shifted), computed per token in the
/// model dtype and averaged in float64, for V stacked variants of the batch at once.
/// </summary>
internal sealed class ValidationCe : IDisposable
{
    private readonly Batch _batch;
    private readonly long[] _positions;
    private readonly Tensor _targets;

    public ValidationCe(Batch batch, Device device)
    {
        if (batch.TargetTokenCount == 0)
        {
            throw new ArgumentException("the validation batch has no target tokens to score");
        }

        _batch = batch;
        _positions = Enumerable.Range(0, batch.Labels.Length).Where(i => batch.Labels[i] != Batch.IgnoreIndex).Select(i => (long)i).ToArray();
        _targets = tensor(_positions.Select(i => batch.Labels[i]).ToArray(), device: device).DetachFromDisposeScope();
        Ids = tensor(batch.InputIds, device: device).view(batch.BatchSize, batch.SequenceLength).DetachFromDisposeScope();
    }

    /// <summary>Token ids [B, T].</summary>
    public Tensor Ids { get; }

    /// <summary>Mean CE of each of the <paramref name="variants"/> blocks of <paramref name="finalHidden"/> [V*B, T, C].</summary>
    public double[] Compute(LlamaForCausalLM model, Tensor finalHidden, int variants)
    {
        using var scope = NewDisposeScope();
        var cells = (long)_batch.BatchSize * _batch.SequenceLength;
        var rows = new long[variants * _positions.Length];
        for (var v = 0; v < variants; v++)
        {
            for (var k = 0; k < _positions.Length; k++)
            {
                rows[(v * _positions.Length) + k] = (v * cells) + _positions[k];
            }
        }

        var flat = finalHidden.view(-1, finalHidden.shape[2]);
        var logits = model.LmHead(flat.index_select(0, tensor(rows, device: flat.device)));
        var ce = F.cross_entropy(logits, _targets.repeat(variants), reduction: nn.Reduction.None);
        using var perVariant = ce.to(ScalarType.Float64).view(variants, _positions.Length).mean([1L]).cpu();
        return perVariant.data<double>().ToArray();
    }

    public void Dispose()
    {
        _targets.Dispose();
        Ids.Dispose();
    }
}
