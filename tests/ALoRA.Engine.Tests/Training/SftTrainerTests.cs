using ALoRA.Engine.Checkpoints;
using ALoRA.Engine.Lora;
using ALoRA.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ALoRA.Engine.Tests.Training;

public sealed class SftTrainerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("alora-trainer-").FullName;

    public SftTrainerTests() => Samples.EnsureTorch();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static TrainingOptions Options(int maxSteps = 8) => new()
    {
        BatchSize = 16,
        MaxSteps = maxSteps,
        LearningRate = 5e-3,
        EvalEverySteps = 4,
        MaxSequenceLength = 64,
        Seed = 11,
    };

    [Theory]
    [InlineData(1, false)]
    [InlineData(4, false)]
    [InlineData(2, true)]
    public void Resume_HalfwayFromCheckpoint_SameLossesAndWeightsAsStraightRun(int accumulation, bool checkpointing)
    {
        const int n = 8;
        var options = Options(n) with { GradientAccumulationSteps = accumulation, GradientCheckpointing = checkpointing };
        var data = TrainingFixture.Data(options);

        double[] straightLosses;
        Dictionary<string, Tensor> straightWeights;
        using (var model = TrainingFixture.Model(dropout: 0.1))
        using (var trainer = new SftTrainer(model, data, options))
        {
            trainer.RunUntil(n);
            straightLosses = trainer.State.StepLosses.ToArray();
            straightWeights = AdapterWeights.Capture(model);
        }

        var root = Path.Combine(_dir, "ckpt");
        using (var model = TrainingFixture.Model(dropout: 0.1))
        using (var trainer = new SftTrainer(model, data, options, root))
        {
            trainer.RunUntil(n / 2);
            trainer.SaveCheckpoint();
        }

        // A different seed for a "fresh" run: everything that matters must come from the checkpoint.
        manual_seed(999);
        using var resumedModel = TrainingFixture.Model(dropout: 0.1, seed: 1234);
        using var resumed = new SftTrainer(resumedModel, TrainingFixture.Data(options), options, root);
        resumed.Resume(TrainingCheckpoint.Latest(root)!);
        Assert.Equal(n / 2, resumed.State.Step);
        resumed.RunUntil(n);

        Assert.Equal(straightLosses, resumed.State.StepLosses.ToArray());
        var resumedWeights = AdapterWeights.Capture(resumedModel);
        Assert.Equal(straightWeights.Keys.Order(), resumedWeights.Keys.Order());
        foreach (var (name, expected) in straightWeights)
        {
            Assert.True(TensorAssert.Same(expected, resumedWeights[name]), $"{name} differs after resume");
        }
    }

    /// <summary>
    /// Issue 13: two trials with adapter dropout in one process (two trainers of one silo) drew their masks from
    /// torch's shared generator, so each took some of the other's draws and neither matched the trial run alone. Each
    /// trainer now has its own generator: steps of two trainers interleaved give the losses of one trainer alone.
    /// </summary>
    [Fact]
    public void TwoTrainersInterleaved_WithDropout_SameLossesAsOneAlone()
    {
        const int n = 6;
        var options = Options(n);
        double[] alone;
        using (var model = TrainingFixture.Model(dropout: 0.1))
        using (var trainer = new SftTrainer(model, TrainingFixture.Data(options), options))
        {
            trainer.RunUntil(n);
            alone = trainer.State.StepLosses.ToArray();
        }

        using var modelA = TrainingFixture.Model(dropout: 0.1);
        using var modelB = TrainingFixture.Model(dropout: 0.1);
        using var a = new SftTrainer(modelA, TrainingFixture.Data(options), options);
        using var b = new SftTrainer(modelB, TrainingFixture.Data(options), options);
        for (var step = 1; step <= n; step++)
        {
            a.RunUntil(step);
            b.RunUntil(step);
            using var draw = rand(3); // a third user of torch's global generator, between their steps
        }

        Assert.Equal(alone, a.State.StepLosses.ToArray());
        Assert.Equal(alone, b.State.StepLosses.ToArray());
    }

    [Fact]
    public void Train_SameSeedTwice_IdenticalLosses()
    {
        var options = Options(5);
        double[] Run()
        {
            using var model = TrainingFixture.Model(dropout: 0.1);
            using var trainer = new SftTrainer(model, TrainingFixture.Data(options), options);
            trainer.RunUntil(5);
            return trainer.State.StepLosses.ToArray();
        }

        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void Train_Sst2Slice_LowersDevLossAndReportsResult()
    {
        var options = Options(24) with { EvalEverySteps = 8, LearningRate = 1e-2 };
        using var model = TrainingFixture.Model();
        var data = TrainingFixture.Data(options, TrainingFixture.Sst2(train: 256, dev: 64, test: 64));
        using var trainer = new SftTrainer(model, data, options);
        var initialDevLoss = Evaluator.Evaluate(model, data.Dev, CPU).Loss;
        var events = new List<TrainingEvent>();
        var result = trainer.Train(new SynchronousProgress<TrainingEvent>(events.Add));

        Assert.Equal(24, result.Steps);
        Assert.True(result.BestDevLoss < initialDevLoss * 0.7, $"dev loss {initialDevLoss} -> {result.BestDevLoss}");
        Assert.NotNull(result.TestMetric);
        Assert.InRange(result.TestMetric!.Value, 0, 1);
        // r=8 x 5 layers x (q 64+64, k 64+32, v 64+32, o 64+64, gate/up 64+172, down 172+64).
        Assert.Equal(8L * 5 * (128 + 96 + 96 + 128 + (3 * 236)), result.InitialTrainableParameters);
        Assert.Equal(24, events.Count(e => e.Kind == TrainingEventKind.Step));
        Assert.Equal(3, events.Count(e => e.Kind == TrainingEventKind.Evaluation));
        Assert.Single(events, e => e.Kind == TrainingEventKind.Test);
        var steps = events.Where(e => e.Kind == TrainingEventKind.Step).ToList();
        Assert.All(steps, e => Assert.True(e.TokensPerSecond > 0));
        Assert.Equal(0.0, steps[0].LearningRate);
        Assert.Equal(options.LearningRate, steps.Max(e => e.LearningRate!.Value), 10);
        Assert.True(result.PeakMemoryBytes > 0);
    }

    [Fact]
    public void Train_DevLossRises_StopsEarlyAndTestsTheBestDevCheckpointsWeights()
    {
        // Dev = training examples with flipped labels: learning the task makes dev loss rise.
        var options = Options(200) with { EvalEverySteps = 2, Patience = 2, LearningRate = 2e-2, WarmupRatio = 0 };
        using var model = TrainingFixture.Model();
        var data = TrainingFixture.Data(options, TrainingFixture.Sst2(train: 128, dev: 32, flipDevLabels: true));
        using var trainer = new SftTrainer(model, data, options);
        var weightsAt = new Dictionary<int, List<Tensor>>();
        var progress = new SynchronousProgress<TrainingEvent>(e =>
        {
            if (e.Kind == TrainingEventKind.Evaluation)
            {
                weightsAt[e.Step] = CopyAdapters(model); // the weights this dev loss was measured with
            }
        });

        var result = trainer.Train(progress);

        Assert.True(result.EarlyStopped);
        Assert.True(result.Steps < 200);
        Assert.Equal(trainer.State.Evaluations.MinBy(e => e.DevLoss)!.Step, result.BestStep);
        Assert.True(trainer.State.Evaluations.Count(e => e.Step > result.BestStep) >= options.Patience);

        // The test numbers are those of the best dev step's weights, evaluated here on a fresh model; the last step's
        // weights give other numbers, so the check can fail.
        using var fresh = TrainingFixture.Model();
        var (bestLoss, bestAccuracy) = EvaluateTest(fresh, weightsAt[result.BestStep], data);
        Assert.Equal(bestLoss, result.TestLoss, 5);
        Assert.Equal(bestAccuracy, result.TestMetric);
        var (lastLoss, _) = EvaluateTest(fresh, weightsAt[weightsAt.Keys.Max()], data);
        Assert.True(Math.Abs(lastLoss - result.TestLoss) > 1e-3, $"last weights' test loss {lastLoss} vs reported {result.TestLoss}");
        foreach (var weight in weightsAt.Values.SelectMany(w => w))
        {
            weight.Dispose();
        }
    }

    /// <summary>Copies of every adapter's lora_A and lora_B, in model order.</summary>
    private static List<Tensor> CopyAdapters(ALoRA.Engine.Model.LlamaForCausalLM model) =>
        [.. model.Adapters.SelectMany(a => new[] { a.Module.LoraA.detach().clone(), a.Module.LoraB.detach().clone() })];

    /// <summary>Test loss and accuracy of <paramref name="model"/> with <paramref name="weights"/> (from <see cref="CopyAdapters"/>) copied in.</summary>
    private static (double Loss, double? Accuracy) EvaluateTest(ALoRA.Engine.Model.LlamaForCausalLM model, List<Tensor> weights, TrainingData data)
    {
        using (no_grad())
        {
            for (var i = 0; i < model.Adapters.Count; i++)
            {
                model.Adapters[i].Module.LoraA.copy_(weights[2 * i]);
                model.Adapters[i].Module.LoraB.copy_(weights[(2 * i) + 1]);
            }
        }

        return Evaluator.Evaluate(model, data.Test, CPU);
    }

    [Fact]
    public void Train_Cancelled_WritesCheckpointAndThrows()
    {
        var options = Options(50);
        var root = Path.Combine(_dir, "cancel");
        using var cts = new CancellationTokenSource();
        using var model = TrainingFixture.Model();
        using var trainer = new SftTrainer(model, TrainingFixture.Data(options), options, root);
        var progress = new SynchronousProgress<TrainingEvent>(e =>
        {
            if (e.Kind == TrainingEventKind.Step && e.Step == 3)
            {
                cts.Cancel();
            }
        });
        Assert.ThrowsAny<OperationCanceledException>(() => trainer.Train(progress, cts.Token));
        Assert.Equal(3, trainer.State.Step);
        var contents = TrainingCheckpoint.Load(TrainingCheckpoint.Latest(root)!);
        Assert.Equal(3, contents.Manifest.State.Step);
        Assert.Equal(3, contents.Manifest.State.StepLosses.Count);
    }

    [Fact]
    public void Resume_CheckpointOfOtherConfiguration_Refused()
    {
        var root = Path.Combine(_dir, "other");
        var options = Options(4);
        using (var model = TrainingFixture.Model())
        using (var trainer = new SftTrainer(model, TrainingFixture.Data(options), options, root))
        {
            trainer.RunUntil(2);
            trainer.SaveCheckpoint();
        }

        var other = options with { Seed = 12 };
        using var model2 = TrainingFixture.Model();
        using var trainer2 = new SftTrainer(model2, TrainingFixture.Data(other), other, root);
        var ex = Assert.Throws<InvalidDataException>(() => trainer2.Resume(TrainingCheckpoint.Latest(root)!));
        Assert.Contains("different run configuration", ex.Message);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(4, true)]
    public void Steps_LiveTensorCount_ReturnsToBaseline(int accumulation, bool checkpointing)
    {
        var options = Options(50) with { EvalEverySteps = 1000, GradientAccumulationSteps = accumulation, GradientCheckpointing = checkpointing };
        using var model = TrainingFixture.Model(dropout: 0.1);
        using var trainer = new SftTrainer(model, TrainingFixture.Data(options), options);
        trainer.RunUntil(2);
        var baseline = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        trainer.RunUntil(12);
        Assert.Equal(baseline, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
