using ALoRA.Engine.Data;
using ALoRA.Engine.Model;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ALoRA.Engine.Training;

/// <summary>
/// Cross-entropy on the target positions of a <see cref="Batch"/> (labels already shifted). Only target
/// positions go through the LM head, so a classification batch pays for a handful of vocabulary projections,
/// not B x T.
/// </summary>
public static class CausalLmLoss
{
    /// <summary>Mean CE over the batch's target tokens (differentiable).</summary>
    public static Tensor Mean(LlamaForCausalLM model, Batch batch, Device device)
    {
        using var scope = NewDisposeScope();
        var (logits, targets) = TargetLogits(model, batch, device);
        return F.cross_entropy(logits, targets).MoveToOuterDisposeScope();
    }

    /// <summary>Sum of CE over the batch's target tokens, without gradients.</summary>
    public static double Sum(LlamaForCausalLM model, Batch batch, Device device)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (logits, targets) = TargetLogits(model, batch, device);
        return F.cross_entropy(logits, targets, reduction: nn.Reduction.Sum).item<float>();
    }

    /// <summary>Per row: mean log-likelihood of its target tokens (no gradients).</summary>
    public static double[] RowMeanLogLikelihood(LlamaForCausalLM model, Batch batch, Device device)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (logits, targets) = TargetLogits(model, batch, device);
        var logProbs = F.log_softmax(logits, -1).gather(1, targets.unsqueeze(1)).squeeze(1).to(ScalarType.Float64).cpu();
        var values = logProbs.data<double>().ToArray();
        var sums = new double[batch.BatchSize];
        var counts = new int[batch.BatchSize];
        var k = 0;
        for (var i = 0; i < batch.Labels.Length; i++)
        {
            if (batch.Labels[i] != Batch.IgnoreIndex)
            {
                var row = i / batch.SequenceLength;
                sums[row] += values[k++];
                counts[row]++;
            }
        }

        return sums.Select((s, r) => counts[r] == 0 ? double.NaN : s / counts[r]).ToArray();
    }

    /// <summary>Logits of the batch's target positions and their targets (differentiable).</summary>
    internal static (Tensor Logits, Tensor Targets) TargetLogits(LlamaForCausalLM model, Batch batch, Device device)
    {
        var (ids, positions, targets) = Inputs(batch, device);
        var hidden = model.ForwardHidden(ids);
        return (LogitsAt(model, hidden, positions), targets);
    }

    /// <summary>
    /// The batch as tensors: token ids [batch, seq], the flat indices of its target positions, and the target ids there.
    /// </summary>
    internal static (Tensor Ids, Tensor Positions, Tensor Targets) Inputs(Batch batch, Device device)
    {
        var positions = new long[batch.TargetTokenCount];
        var targets = new long[batch.TargetTokenCount];
        var k = 0;
        for (var i = 0; i < batch.Labels.Length; i++)
        {
            if (batch.Labels[i] != Batch.IgnoreIndex)
            {
                positions[k] = i;
                targets[k++] = batch.Labels[i];
            }
        }

        var ids = tensor(batch.InputIds, device: device).view(batch.BatchSize, batch.SequenceLength);
        return (ids, tensor(positions, device: device), tensor(targets, device: device));
    }

    /// <summary>LM-head logits of the final hidden states [batch, seq, hidden] at the flat <paramref name="positions"/>.</summary>
    internal static Tensor LogitsAt(LlamaForCausalLM model, Tensor hidden, Tensor positions) =>
        model.LmHead(hidden.view(-1, hidden.shape[2]).index_select(0, positions));
}
