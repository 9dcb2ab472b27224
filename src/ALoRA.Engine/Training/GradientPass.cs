using ALoRA.Engine.Data;
using ALoRA.Engine.Model;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ALoRA.Engine.Training;

/// <summary>
/// The forward and backward pass of one optimizer step's batch: the gradients of the batch's token-weighted mean
/// cross-entropy are added to the trainable parameters' <c>.grad</c>, optionally in micro-batches (gradient
/// accumulation) and with activation checkpointing per decoder layer (docs/engine-notes.md, "Accumulation and
/// checkpointing").
/// <para>
/// Accumulation: the batch's rows are cut, in order, into micro-batches of <c>microBatchRows</c> rows, each padded only
/// to its own longest row; each backpropagates <c>sum of its CE / target tokens of the whole batch</c>, so the summed
/// gradient is the whole batch's (the loss is weighted by target tokens, not averaged per micro-batch).
/// </para>
/// <para>
/// Checkpointing: the blocks run without autograd, keeping only each block's input; the final norm, LM head and loss
/// run with autograd from the last block's output, then each block, last to first, runs again with autograd from its
/// saved input and backpropagates the gradient of its output, handing its input's gradient to the block below. With
/// adapter dropout the CPU generator's state before each block is saved and restored for its recomputation, so the
/// masks are the same; on other devices (whose generator state TorchSharp cannot read) dropout with checkpointing is
/// refused.
/// </para>
/// </summary>
public static class GradientPass
{
    /// <summary>Accumulates the batch's gradients; returns its mean CE over target tokens.</summary>
    /// <param name="model">The model; its trainable parameters receive the gradients.</param>
    /// <param name="batch">The step's batch.</param>
    /// <param name="device">The model's device.</param>
    /// <param name="microBatchRows">Rows per micro-batch (the batch size, or less to accumulate).</param>
    /// <param name="checkpointing">Recompute each block's activations in the backward pass instead of keeping them.</param>
    /// <exception cref="NotSupportedException">Checkpointing with adapter dropout on a device other than the CPU.</exception>
    public static double Run(LlamaForCausalLM model, Batch batch, Device device, int microBatchRows, bool checkpointing)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(microBatchRows);
        if (microBatchRows >= batch.BatchSize && !checkpointing)
        {
            // The plain step, unchanged (and so bit for bit the results of runs without accumulation).
            using var scope = NewDisposeScope();
            var loss = CausalLmLoss.Mean(model, batch, device);
            loss.backward();
            return loss.item<float>();
        }

        if (checkpointing)
        {
            CheckDropout(model, device);
        }

        var total = batch.TargetTokenCount;
        if (total == 0)
        {
            return double.NaN; // as the plain step's mean over no tokens
        }

        var scale = 1.0 / total;
        double sum = 0;
        for (var start = 0; start < batch.BatchSize; start += microBatchRows)
        {
            var micro = microBatchRows >= batch.BatchSize ? batch : BatchCollator.Slice(batch, start, Math.Min(microBatchRows, batch.BatchSize - start));
            if (micro.TargetTokenCount == 0)
            {
                continue;
            }

            sum += checkpointing ? CheckpointedSum(model, micro, device, scale) : PlainSum(model, micro, device, scale);
        }

        return sum / total;
    }

    /// <summary>Throws when checkpointing could not reproduce the adapters' dropout masks on <paramref name="device"/>.</summary>
    /// <exception cref="NotSupportedException">Adapter dropout with checkpointing on a device other than the CPU.</exception>
    public static void CheckDropout(LlamaForCausalLM model, Device device)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(device);
        if (HasDropout(model) && device.type != TorchSharp.DeviceType.CPU)
        {
            throw new NotSupportedException(
                $"gradient_checkpointing with lora_dropout = {model.Lora!.LoraDropout} is supported on the CPU only (on {device} the dropout masks " +
                "cannot be reproduced in the recomputation); set lora_dropout to 0 or gradient_checkpointing to false");
        }
    }

    private static bool HasDropout(LlamaForCausalLM model) => model.Lora is { LoraDropout: > 0 };

    /// <summary>Backpropagates <c>scale x</c> the micro-batch's CE sum; returns the sum.</summary>
    private static double PlainSum(LlamaForCausalLM model, Batch micro, Device device, double scale)
    {
        using var scope = NewDisposeScope();
        var (logits, targets) = CausalLmLoss.TargetLogits(model, micro, device);
        var loss = F.cross_entropy(logits, targets, reduction: nn.Reduction.Sum);
        var sum = loss.item<float>();
        loss.mul(scale).backward();
        return sum;
    }

    /// <summary><see cref="PlainSum"/> with each block's activations recomputed in the backward pass.</summary>
    private static double CheckpointedSum(LlamaForCausalLM model, Batch micro, Device device, double scale)
    {
        using var scope = NewDisposeScope();
        var decoder = model.Decoder;
        var layers = decoder.LayerCount;
        var keepMasks = model.training && HasDropout(model);
        var inputs = new Tensor[layers];
        var rngStates = new Tensor?[layers];
        var (ids, positions, targets) = CausalLmLoss.Inputs(micro, device);
        Tensor last;
        using (no_grad())
        {
            var h = decoder.Embed(ids);
            for (var i = 0; i < layers; i++)
            {
                inputs[i] = h;
                rngStates[i] = keepMasks ? get_rng_state() : null;
                h = decoder.ForwardLayer(i, h);
            }

            last = h;
        }

        using var afterForward = keepMasks ? get_rng_state() : null;
        double sum;
        Tensor grad;
        using (var head = NewDisposeScope())
        {
            var top = last.detach().requires_grad_(true);
            var loss = F.cross_entropy(CausalLmLoss.LogitsAt(model, decoder.FinalNorm(top), positions), targets, reduction: nn.Reduction.Sum);
            sum = loss.item<float>();
            loss.mul(scale).backward();
            grad = top.grad!.MoveToOuterDisposeScope();
        }

        last.Dispose();
        for (var i = layers - 1; i >= 0; i--)
        {
            using (var block = NewDisposeScope())
            {
                // The first block's input is the frozen embedding: no gradient is needed below it.
                var input = inputs[i].detach();
                if (i > 0)
                {
                    input.requires_grad_(true);
                }

                if (rngStates[i] is { } state)
                {
                    set_rng_state(state);
                }

                var output = decoder.ForwardLayer(i, input);
                if (output.requires_grad)
                {
                    output.backward([grad]);
                }

                grad.Dispose();
                grad = i > 0 ? input.grad!.MoveToOuterDisposeScope() : grad;
            }

            inputs[i].Dispose();
            rngStates[i]?.Dispose();
        }

        if (afterForward is not null)
        {
            set_rng_state(afterForward);
        }

        return sum;
    }
}
