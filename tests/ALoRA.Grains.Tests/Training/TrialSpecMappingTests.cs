using ALoRA.Abstractions.Sweeps;
using ALoRA.Engine.Scoring;
using ALoRA.Engine.Training;
using ALoRA.Grains.Training;

namespace ALoRA.Grains.Tests.Training;

/// <summary>TrialSpec to engine settings: values carried over, bad values named by their sweep-spec path.</summary>
public sealed class TrialSpecMappingTests
{
    private static TrialSpec Spec(string method = TrialMethods.Lora, AllocationSettings? allocation = null,
                                  Func<TrainingSettings, TrainingSettings>? training = null) =>
        EngineSamples.Assignment(method, allocation: allocation, training: training).Spec;

    [Fact]
    public void Map_Lora_CarriesEverySetting()
    {
        var spec = Spec() with
        {
            Lora = new LoraSettings { R = 4, LoraAlpha = 16, LoraDropout = 0.1, TargetModules = ["q_proj", "v_proj"] },
            Training = new TrainingSettings
            {
                LearningRate = 3e-4, BatchSize = 32, MaxEpochs = 3, MaxSteps = 100, WarmupRatio = 0.1, WeightDecay = 0.01,
                EvalEverySteps = 50, Patience = 4, MaxSequenceLength = 128, Seed = 11, MaxDevExamples = 64, CheckpointEverySteps = 25,
                GradientCheckpointing = true, GradientAccumulationSteps = 4,
            },
            Allocation = new AllocationSettings { Rounds = 3 },
        };

        var s = TrialSpecMapping.Map(spec);

        Assert.Equal("sst2", s.Task.Name);
        Assert.Equal((4, 16.0, 0.1, 11L), (s.Lora.R, s.Lora.LoraAlpha, s.Lora.LoraDropout, s.Lora.InitSeed));
        Assert.Equal(["q_proj", "v_proj"], s.Lora.TargetModules);
        var t = s.Training;
        Assert.Equal((3e-4, 32, 3, 100, 0.1, 0.01), (t.LearningRate, t.BatchSize, t.MaxEpochs, t.MaxSteps, t.WarmupRatio, t.WeightDecay));
        Assert.Equal((50, 4, 128, 11L, 64, 25), (t.EvalEverySteps, t.Patience, t.MaxSequenceLength, t.Seed, t.MaxDevExamples, t.CheckpointEverySteps));
        Assert.Equal((true, 4), (t.GradientCheckpointing, t.GradientAccumulationSteps));
        Assert.Equal(AllocationMethod.Lora, s.Allocation.Method);
    }

    [Theory]
    [InlineData(10, 4, "training.batch_size = 10 is not divisible by training.gradient_accumulation_steps = 4")]
    [InlineData(16, 0, "training.gradient_accumulation_steps must be in [1, 4096], got 0")]
    public void Map_BadAccumulation_NamesTheField(int batch, int steps, string expected)
    {
        var spec = Spec(training: t => t with { BatchSize = batch, GradientAccumulationSteps = steps });

        var ex = Assert.Throws<ArgumentException>(() => TrialSpecMapping.Map(spec));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_NullAlpha_StaysNull() => Assert.Null(TrialSpecMapping.Map(Spec()).Lora.LoraAlpha);

    [Theory]
    [InlineData(TrialMethods.Alora, AllocationMethod.Alora)]
    [InlineData(TrialMethods.AloraDnas, AllocationMethod.AloraDnas)]
    [InlineData(TrialMethods.AloraSensi, AllocationMethod.AloraSensi)]
    public void Map_AllocatingMethod_CarriesTheSchedule(string method, AllocationMethod expected)
    {
        var settings = new AllocationSettings
        {
            K1 = "100steps", K2 = "0.5", Rounds = 3, RanksPerRound = 5, ValBatchSize = 16, ResampleValBatch = false,
            Scorer = "hybrid", GateLearningRate = 0.01, SensitivityBeta1 = 0.7, SensitivityBeta2 = 0.6, ShortlistFactor = 4,
        };

        var a = TrialSpecMapping.Map(Spec(method, settings)).Allocation;

        Assert.Equal(expected, a.Method);
        Assert.Equal(ScheduleLength.Steps(100), a.WarmupBeforeFirstRound);
        Assert.Equal(ScheduleLength.Epochs(0.5), a.BetweenRounds);
        Assert.Equal((3, 5, 16, false, AbLoraScorerKind.Hybrid, 4), (a.Rounds, a.RanksPerRound, a.ValidationBatchSize, a.ResampleValidationBatch, a.Scorer, a.ShortlistFactor));
        Assert.Equal((0.01, 0.7, 0.6), (a.GateLearningRate, a.SensitivityBeta1, a.SensitivityBeta2));
    }

    [Fact]
    public void Map_AllocatingMethodWithoutBlock_UsesThePaperDefaults()
    {
        var a = TrialSpecMapping.Map(Spec(TrialMethods.Alora)).Allocation;

        Assert.Equal((ScheduleLength.Epochs(1), ScheduleLength.Epochs(0.25), 8, 32, AbLoraScorerKind.Fast, 3), (a.WarmupBeforeFirstRound, a.BetweenRounds, a.Rounds, a.ValidationBatchSize, a.Scorer, a.ShortlistFactor));
    }

    [Fact]
    public void Map_UnknownMethod_NamesMethod()
    {
        var ex = Assert.Throws<ArgumentException>(() => TrialSpecMapping.Map(Spec() with { Method = "qlora" }));

        Assert.Contains("method", ex.Message, StringComparison.Ordinal);
        Assert.Contains("qlora", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc", "alora.k1")]
    [InlineData("-1", "alora.k1")]
    [InlineData("2.5steps", "alora.k1")]
    public void Map_BadK1_NamesTheField(string k1, string field)
    {
        var ex = Assert.Throws<ArgumentException>(() => TrialSpecMapping.Map(Spec(TrialMethods.Alora, new AllocationSettings { K1 = k1 })));

        Assert.Contains(field, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_UnknownScorerOrShortlistFactorBelowOne_NamesTheFields()
    {
        var ex = Assert.Throws<ArgumentException>(() => TrialSpecMapping.Map(Spec(TrialMethods.Alora, new AllocationSettings { Scorer = "slow", ShortlistFactor = 0 })));

        Assert.Contains("alora.scorer", ex.Message, StringComparison.Ordinal);
        Assert.Contains("alora.shortlist_factor", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_BadSettingOfAnotherMethod_NamesThatMethodsBlock()
    {
        var ex = Assert.Throws<ArgumentException>(() => TrialSpecMapping.Map(Spec(TrialMethods.AloraSensi, new AllocationSettings { K2 = "x", SensitivityBeta1 = 1 })));

        Assert.Contains("alora-sensi.k2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("alora-sensi.beta1", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1e-3)]
    [InlineData(double.NaN)]
    public void Map_BadLearningRate_NamesTheField(double lr)
    {
        var ex = Assert.Throws<ArgumentException>(() => TrialSpecMapping.Map(Spec(training: t => t with { LearningRate = lr })));

        Assert.Contains("training.learning_rate", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_SeveralBadValues_NamesEveryOne()
    {
        var spec = Spec(training: t => t with { BatchSize = 0, MaxSteps = 0, WarmupRatio = 1, Patience = 0, MaxSequenceLength = 2, CheckpointEverySteps = 0 }) with
        {
            Task = "mnli",
            Lora = new LoraSettings { R = 0, LoraAlpha = -1, LoraDropout = 1, TargetModules = ["q_proj", "lm_head"] },
        };

        var message = Assert.Throws<ArgumentException>(() => TrialSpecMapping.Map(spec)).Message;

        foreach (var field in new[]
                 {
                     "task", "lora.r", "lora.lora_alpha", "lora.lora_dropout", "lora.target_modules[1]", "training.batch_size", "training.max_steps",
                     "training.warmup_ratio", "training.patience", "training.max_sequence_length", "training.checkpoint_every_steps",
                 })
        {
            Assert.Contains(field, message, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("(Parameter", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_BadAllocationBlockOnLoraTrial_IsIgnored()
    {
        var s = TrialSpecMapping.Map(Spec(TrialMethods.Lora, new AllocationSettings { K1 = "abc" }));

        Assert.Equal(AllocationMethod.Lora, s.Allocation.Method);
    }
}
