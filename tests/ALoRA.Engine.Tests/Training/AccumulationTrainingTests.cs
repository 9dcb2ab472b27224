using ALoRA.Engine.Lora;
using ALoRA.Engine.Training;
using static TorchSharp.torch;

namespace ALoRA.Engine.Tests.Training;

/// <summary>
/// Gradient accumulation and activation checkpointing through the trainer, with each allocation method that reads
/// gradients or trains gates: the same run as the plain one (fp32 tolerance), counted in optimizer steps.
/// </summary>
public sealed class AccumulationTrainingTests
{
    private const double LossTolerance = 1e-4;

    public AccumulationTrainingTests() => Samples.EnsureTorch();

    private static TrainingOptions Options(int steps) => new()
    {
        BatchSize = 16, MaxSteps = steps, LearningRate = 5e-3, EvalEverySteps = 4, MaxSequenceLength = 64, Seed = 5, CheckpointEverySteps = null,
    };

    private static AllocationOptions Allocation(AllocationMethod method) => method == AllocationMethod.Lora
        ? new AllocationOptions()
        : new AllocationOptions
        {
            Method = method, WarmupBeforeFirstRound = ScheduleLength.Steps(4), BetweenRounds = ScheduleLength.Steps(3), Rounds = 2, ValidationBatchSize = 8,
        };

    [Theory]
    [InlineData(AllocationMethod.Lora, 4, false)]
    [InlineData(AllocationMethod.Lora, 1, true)]
    [InlineData(AllocationMethod.Lora, 4, true)]
    [InlineData(AllocationMethod.AloraSensi, 4, false)]
    [InlineData(AllocationMethod.AloraSensi, 1, true)]
    [InlineData(AllocationMethod.AloraDnas, 4, false)]
    [InlineData(AllocationMethod.AloraDnas, 1, true)]
    [InlineData(AllocationMethod.Alora, 2, true)]
    public void Train_AccumulatedOrCheckpointed_SameRunAsThePlainOne(AllocationMethod method, int accumulation, bool checkpointing)
    {
        var plain = Run(Options(10), method);
        var other = Run(Options(10) with { GradientAccumulationSteps = accumulation, GradientCheckpointing = checkpointing }, method);

        // Counted in optimizer steps: the same steps, evaluations and rounds at the same steps.
        Assert.Equal(plain.Steps, other.Steps);
        Assert.Equal(plain.EvaluatedAt, other.EvaluatedAt);
        Assert.Equal(plain.RoundsAt, other.RoundsAt);
        Assert.Equal(10, other.Losses.Length);
        for (var i = 0; i < plain.Losses.Length; i++)
        {
            Assert.True(Math.Abs(plain.Losses[i] - other.Losses[i]) <= LossTolerance, $"step {i + 1}: loss {plain.Losses[i]} vs {other.Losses[i]}");
        }

        // The methods that read gradients (sensitivity) or train gates (DNAS) see the whole batch's: the same ranks move.
        Assert.Equal(plain.Pruned, other.Pruned);
        Assert.Equal(plain.Ranks, other.Ranks);
        foreach (var (name, expected) in plain.Weights)
        {
            using var diff = expected.sub(other.Weights[name]).abs().max();
            Assert.True(diff.item<float>() <= 1e-4, $"{name} differs by {diff.item<float>()}");
        }
    }

    [Fact]
    public void Validate_AccumulationBelowOneOrNotDividingTheBatch_NamesTheFields()
    {
        var zero = Assert.Throws<ArgumentException>(() => new TrainingOptions { GradientAccumulationSteps = 0 }.Validate());
        Assert.Contains("gradient_accumulation_steps must be in [1, 4096], got 0", zero.Message, StringComparison.Ordinal);

        var uneven = Assert.Throws<ArgumentException>(() => new TrainingOptions { BatchSize = 10, GradientAccumulationSteps = 4 }.Validate());
        Assert.Contains("batch_size = 10 is not divisible by gradient_accumulation_steps = 4", uneven.Message, StringComparison.Ordinal);

        new TrainingOptions { BatchSize = 12, GradientAccumulationSteps = 4 }.Validate();
    }

    [Fact]
    public void Prepare_DefaultBatchNotDivisible_NamesTheFields()
    {
        // 96 training examples: the default batch is 16, which 32 micro-batches cannot split.
        var options = new TrainingOptions { GradientAccumulationSteps = 32, MaxSequenceLength = 64 };
        options.Validate();

        var ex = Assert.Throws<ArgumentException>(() => TrainingFixture.Data(options));

        Assert.Contains("gradient_accumulation_steps = 32 does not divide the default batch_size for 96 training examples = 16", ex.Message, StringComparison.Ordinal);
        Assert.Equal(16, TrainingFixture.Data(options with { GradientAccumulationSteps = 4 }).Sampler.BatchSize);
    }

    [Fact]
    public void Create_CheckpointingWithDropoutOffTheCpu_IsRefused()
    {
        using var model = TrainingFixture.Model(dropout: 0.1);

        var ex = Assert.Throws<NotSupportedException>(() => GradientPass.CheckDropout(model, new Device(TorchSharp.DeviceType.META)));

        Assert.Contains("gradient_checkpointing with lora_dropout = 0.1 is supported on the CPU only", ex.Message, StringComparison.Ordinal);
        GradientPass.CheckDropout(model, CPU);
        using var noDropout = TrainingFixture.Model();
        GradientPass.CheckDropout(noDropout, new Device(TorchSharp.DeviceType.META));
    }

    private static RunRecord Run(TrainingOptions options, AllocationMethod method)
    {
        using var model = TrainingFixture.Model();
        using var trainer = new SftTrainer(model, TrainingFixture.Data(options), options, allocation: Allocation(method));
        trainer.RunUntil(options.MaxSteps!.Value);
        var state = trainer.State;
        return new RunRecord(
            state.Step,
            [.. state.StepLosses],
            [.. state.Evaluations.Select(e => e.Step)],
            [.. state.AllocationHistory.Select(r => r.Step)],
            [.. state.AllocationHistory.SelectMany(r => r.Pruned)],
            model.Adapters.ToDictionary(a => a.Path, a => a.Module.ActiveRank),
            AdapterWeights.Capture(model));
    }

    private sealed record RunRecord(
        int Steps, double[] Losses, int[] EvaluatedAt, int[] RoundsAt, string[] Pruned, Dictionary<string, int> Ranks, Dictionary<string, Tensor> Weights);
}
