using ALoRA.Engine.Data;
using ALoRA.Engine.Model;
using ALoRA.Engine.Training;
using static TorchSharp.torch;

namespace ALoRA.Engine.Tests.Training;

/// <summary>
/// Activation checkpointing and gradient accumulation on stories260K (fp32): the gradients of one batch equal those of
/// the plain pass, whose single backward through the whole graph is the oracle.
/// </summary>
public sealed class GradientPassTests
{
    private const double Tolerance = 1e-5;

    public GradientPassTests() => Samples.EnsureTorch();

    private static TrainingOptions Options => new() { BatchSize = 16, MaxSequenceLength = 64, Seed = 3 };

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.1)]
    public void Checkpointing_SameGradientsAndLossAsThePlainPass(double dropout)
    {
        using var model = ModelWithWork(dropout);
        var batch = FirstBatch();

        var (plainLoss, plain) = Gradients(model, batch, rows: 16, checkpointing: false);
        using var plainRng = get_rng_state();
        var (checkpointedLoss, checkpointed) = Gradients(model, batch, rows: 16, checkpointing: true);
        using var checkpointedRng = get_rng_state();

        Assert.Equal(plainLoss, checkpointedLoss, Tolerance);
        AssertClose(plain, checkpointed);
        // With dropout the same masks were drawn in the same order: the generator ends where the plain pass left it.
        Assert.True(TensorAssert.Same(plainRng, checkpointedRng), "checkpointing changed the random stream");
    }

    [Fact]
    public void Checkpointing_RelaxedGates_SameGateLogitGradients()
    {
        using var model = ModelWithWork(0.0);
        var logits = new List<TorchSharp.Modules.Parameter>();
        foreach (var slot in model.Adapters)
        {
            using var init = linspace(-1, 1, slot.Module.Rank);
            var p = new TorchSharp.Modules.Parameter(init.clone(), requires_grad: true);
            p.DetachFromDisposeScope();
            slot.Module.SetGateLogits(p);
            logits.Add(p);
        }

        var batch = FirstBatch();
        var (_, plain) = Gradients(model, batch, rows: 16, checkpointing: false, extra: logits);
        var (_, checkpointed) = Gradients(model, batch, rows: 16, checkpointing: true, extra: logits);

        Assert.Contains(plain.Keys, k => k.StartsWith("gate", StringComparison.Ordinal));
        AssertClose(plain, checkpointed);
        foreach (var slot in model.Adapters)
        {
            slot.Module.SetGateLogits(null);
        }

        logits.ForEach(l => l.Dispose());
    }

    [Theory]
    [InlineData(2, false)]
    [InlineData(4, false)]
    [InlineData(16, false)]
    [InlineData(4, true)]
    public void Accumulation_MicroBatchesGiveTheWholeBatchsGradientAndTokenWeightedLoss(int steps, bool checkpointing)
    {
        using var model = ModelWithWork(0.0);
        var batch = FirstBatch();
        // Rows of different lengths: per-micro-batch averaging would give another loss than token weighting.
        var counts = Enumerable.Range(0, steps).Select(i => BatchCollator.Slice(batch, i * (16 / steps), 16 / steps).TargetTokenCount).ToList();
        Assert.True(counts.Distinct().Count() > 1 || steps == 1, $"micro-batch target counts {string.Join(", ", counts)}");

        var (wholeLoss, whole) = Gradients(model, batch, rows: 16, checkpointing: false);
        var (accumulatedLoss, accumulated) = Gradients(model, batch, rows: 16 / steps, checkpointing);

        Assert.Equal(wholeLoss, accumulatedLoss, Tolerance);
        AssertClose(whole, accumulated);
    }

    [Fact]
    public void Slice_PadsToItsLongestRowAndKeepsEveryTarget()
    {
        var batch = FirstBatch();
        var slices = Enumerable.Range(0, 4).Select(i => BatchCollator.Slice(batch, i * 4, 4)).ToList();

        Assert.Equal(batch.TargetTokenCount, slices.Sum(s => s.TargetTokenCount));
        Assert.All(slices, s => Assert.Equal(s.Lengths.Max(), s.SequenceLength));
        Assert.Equal(batch.ExampleIndices, slices.SelectMany(s => s.ExampleIndices));
        for (var row = 0; row < batch.BatchSize; row++)
        {
            var slice = slices[row / 4];
            var r = row % 4;
            Assert.Equal(batch.Labels.AsSpan(row * batch.SequenceLength, slice.SequenceLength).ToArray(), slice.Labels.AsSpan(r * slice.SequenceLength, slice.SequenceLength).ToArray());
            Assert.Equal(batch.InputIds.AsSpan(row * batch.SequenceLength, slice.SequenceLength).ToArray(), slice.InputIds.AsSpan(r * slice.SequenceLength, slice.SequenceLength).ToArray());
        }
    }

    /// <summary>stories260K with LoRA whose B is not zero, so every adapter parameter gets a gradient.</summary>
    private static LlamaForCausalLM ModelWithWork(double dropout)
    {
        var model = TrainingFixture.Model(dropout);
        using var generator = new TorchSharp.torch.Generator(17);
        using (no_grad())
        {
            foreach (var slot in model.Adapters)
            {
                using var b = randn(slot.Module.LoraB.shape, generator: generator);
                slot.Module.LoraB.copy_(b.mul_(0.05));
            }
        }

        model.train();
        return model;
    }

    /// <summary>The first training batch of the SST-2 slice (16 rows of different lengths).</summary>
    private static Batch FirstBatch()
    {
        var data = TrainingFixture.Data(Options);
        return data.TrainBatch(data.Sampler.PlanEpoch(0)[0]);
    }

    /// <summary>One pass from zero gradients with the RNG seeded; returns the loss and copies of every gradient.</summary>
    private static (double Loss, Dictionary<string, Tensor> Grads) Gradients(
        LlamaForCausalLM model, Batch batch, int rows, bool checkpointing, IReadOnlyList<TorchSharp.Modules.Parameter>? extra = null)
    {
        var parameters = model.TrainableParameters().ToList();
        var all = parameters.Concat((extra ?? []).Select((p, i) => ($"gate{i}", p))).ToList();
        foreach (var (_, p) in all)
        {
            p.grad?.zero_();
        }

        manual_seed(123);
        var loss = GradientPass.Run(model, batch, CPU, rows, checkpointing);
        var grads = all.ToDictionary(p => p.Item1, p => p.Item2.grad!.detach().clone().DetachFromDisposeScope(), StringComparer.Ordinal);
        return (loss, grads);
    }

    private static void AssertClose(Dictionary<string, Tensor> expected, Dictionary<string, Tensor> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        var nonZero = 0;
        foreach (var (name, e) in expected)
        {
            using var diff = e.sub(actual[name]).abs().max();
            var d = diff.item<float>();
            Assert.True(d <= Tolerance, $"{name}: gradients differ by {d}");
            using var norm = e.abs().max();
            nonZero += norm.item<float>() > 1e-4 ? 1 : 0;
        }

        // The oracle is not trivial: the gradients are there.
        Assert.True(nonZero >= expected.Count / 2, $"only {nonZero} of {expected.Count} gradients are non-zero");
        foreach (var t in expected.Values.Concat(actual.Values))
        {
            t.Dispose();
        }
    }
}
