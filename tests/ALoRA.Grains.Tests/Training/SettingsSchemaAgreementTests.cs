using ALoRA.Abstractions.Sweeps;
using ALoRA.Engine.Data;
using ALoRA.Engine.Lora;
using ALoRA.Engine.Scoring;
using ALoRA.Engine.Training;
using ALoRA.Grains.Training;
using ALoRA.Sweeps;
using EngineLength = ALoRA.Engine.Training.ScheduleLength;

namespace ALoRA.Grains.Tests.Training;

/// <summary>
/// The engine's options and vocabularies (which cannot reference the sweep side) against the one sweep-spec schema:
/// equal defaults, equal lists, and validation that rejects exactly what the schema rejects at each bound.
/// </summary>
public sealed class SettingsSchemaAgreementTests
{
    /// <summary>How each bounded setting reaches the engine's options: the test's own table, one entry per setting.</summary>
    private static readonly Dictionary<string, Func<EngineOptions, double, EngineOptions>> Setters = new(StringComparer.Ordinal)
    {
        ["lora.r"] = (o, v) => o with { Lora = o.Lora with { R = (int)v } },
        ["lora.lora_alpha"] = (o, v) => o with { Lora = o.Lora with { LoraAlpha = v } },
        ["lora.lora_dropout"] = (o, v) => o with { Lora = o.Lora with { LoraDropout = v } },
        ["training.learning_rate"] = (o, v) => o with { Training = o.Training with { LearningRate = v } },
        ["training.batch_size"] = (o, v) => o with { Training = o.Training with { BatchSize = (int)v } },
        ["training.max_epochs"] = (o, v) => o with { Training = o.Training with { MaxEpochs = (int)v } },
        ["training.max_steps"] = (o, v) => o with { Training = o.Training with { MaxSteps = (int)v } },
        ["training.warmup_ratio"] = (o, v) => o with { Training = o.Training with { WarmupRatio = v } },
        ["training.weight_decay"] = (o, v) => o with { Training = o.Training with { WeightDecay = v } },
        ["training.eval_every_steps"] = (o, v) => o with { Training = o.Training with { EvalEverySteps = (int)v } },
        ["training.patience"] = (o, v) => o with { Training = o.Training with { Patience = (int)v } },
        ["training.max_sequence_length"] = (o, v) => o with { Training = o.Training with { MaxSequenceLength = (int)v } },
        ["training.max_dev_examples"] = (o, v) => o with { Training = o.Training with { MaxDevExamples = (int)v } },
        ["training.checkpoint_every_steps"] = (o, v) => o with { Training = o.Training with { CheckpointEverySteps = (int)v } },
        ["training.gradient_accumulation_steps"] = (o, v) => o with { Training = o.Training with { GradientAccumulationSteps = (int)v } },
        ["allocation.k1"] = (o, v) => o with { Allocation = o.Allocation with { WarmupBeforeFirstRound = EngineLength.Epochs(v) } },
        ["allocation.k2"] = (o, v) => o with { Allocation = o.Allocation with { BetweenRounds = EngineLength.Epochs(v) } },
        ["allocation.n_rounds"] = (o, v) => o with { Allocation = o.Allocation with { Rounds = (int)v } },
        ["allocation.ranks_per_round"] = (o, v) => o with { Allocation = o.Allocation with { RanksPerRound = (int)v } },
        ["allocation.val_batch_size"] = (o, v) => o with { Allocation = o.Allocation with { ValidationBatchSize = (int)v } },
        ["allocation.gate_learning_rate"] = (o, v) => o with { Allocation = o.Allocation with { GateLearningRate = v } },
        ["allocation.beta1"] = (o, v) => o with { Allocation = o.Allocation with { SensitivityBeta1 = v } },
        ["allocation.beta2"] = (o, v) => o with { Allocation = o.Allocation with { SensitivityBeta2 = v } },
        ["allocation.shortlist_factor"] = (o, v) => o with { Allocation = o.Allocation with { ShortlistFactor = (int)v } },
    };

    /// <summary>Every bounded setting: (setting path as in <see cref="Setters"/>, declaration).</summary>
    public static TheoryData<string> BoundedSettings()
    {
        var data = new TheoryData<string>();
        foreach (var path in Bounded().Select(b => b.Path))
        {
            data.Add(path);
        }

        return data;
    }

    [Fact]
    public void Vocabularies_EngineAndSweepSideAreEqual()
    {
        Assert.Equal(SpecSchema.Tasks, TaskRegistry.Names);
        Assert.Equal(TrialMethods.All, AllocationMethods.All);
        Assert.Equal(LoraSettings.LlamaModuleNames, LoraConfig.LlamaModuleTypes);
        Assert.Equal(SpecSchema.Lora.Single(d => d.Key == "target_modules").Allowed, LoraConfig.LlamaModuleTypes);
        Assert.All(TrialMethods.All, m => Assert.Equal(TrialMethods.Allocates(m), AllocationMethods.Parse(m) != AllocationMethod.Lora));
        Assert.Equal(AbLoraScorerKinds.Names, SpecSchema.Scorers);
    }

    [Fact]
    public void DefaultContract_MapsToTheEngineDefaults()
    {
        var spec = new TrialSpec { Task = "sst2", Method = TrialMethods.Alora, Allocation = new AllocationSettings() };

        var mapped = TrialSpecMapping.Map(spec);

        Assert.Equal(new TrainingOptions(), mapped.Training);
        Assert.Equal(new AllocationOptions { Method = AllocationMethod.Alora }, mapped.Allocation);
        var lora = new LoraConfig();
        Assert.Equal((lora.R, lora.LoraAlpha, lora.LoraDropout, lora.InitSeed), (mapped.Lora.R, mapped.Lora.LoraAlpha, mapped.Lora.LoraDropout, mapped.Lora.InitSeed));
        Assert.Equal(lora.TargetModules, mapped.Lora.TargetModules);
    }

    [Fact]
    public void EngineDefaults_AreTheSchemaDefaults()
    {
        // Independent of the mapping: each engine default against the declared default, by key.
        var (t, a, l) = (new TrainingOptions(), new AllocationOptions(), new LoraConfig());
        var engine = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["lora.r"] = l.R, ["lora.lora_alpha"] = l.LoraAlpha, ["lora.lora_dropout"] = l.LoraDropout,
            ["training.learning_rate"] = t.LearningRate, ["training.batch_size"] = t.BatchSize, ["training.max_epochs"] = t.MaxEpochs,
            ["training.max_steps"] = t.MaxSteps, ["training.warmup_ratio"] = t.WarmupRatio, ["training.weight_decay"] = t.WeightDecay,
            ["training.eval_every_steps"] = t.EvalEverySteps, ["training.patience"] = t.Patience,
            ["training.max_sequence_length"] = t.MaxSequenceLength, ["training.max_dev_examples"] = t.MaxDevExamples,
            ["training.checkpoint_every_steps"] = t.CheckpointEverySteps,
            ["training.gradient_checkpointing"] = t.GradientCheckpointing, ["training.gradient_accumulation_steps"] = t.GradientAccumulationSteps,
            ["allocation.k1"] = a.WarmupBeforeFirstRound.Value, ["allocation.k2"] = a.BetweenRounds.Value, ["allocation.n_rounds"] = a.Rounds,
            ["allocation.ranks_per_round"] = a.RanksPerRound, ["allocation.val_batch_size"] = a.ValidationBatchSize,
            ["allocation.resample_val_batch"] = a.ResampleValidationBatch, ["allocation.gate_learning_rate"] = a.GateLearningRate,
            ["allocation.beta1"] = a.SensitivityBeta1, ["allocation.beta2"] = a.SensitivityBeta2, ["allocation.shortlist_factor"] = a.ShortlistFactor,
        };

        foreach (var (path, def) in Declared().Where(d => d.Def.Kind is not SettingKind.ModuleList and not SettingKind.Text))
        {
            Assert.True(engine.ContainsKey(path), $"{path} has no engine default in this test's table");
            var expected = def.Kind == SettingKind.Schedule ? ALoRA.Sweeps.ScheduleLength.Parse((string)def.Default!).Value : def.Default;
            Assert.True(Equals(Normalise(expected), Normalise(engine[path])), $"{path}: schema default {expected}, engine default {engine[path]}");
        }

        Assert.Equal(1, (int)a.WarmupBeforeFirstRound.Value);
        Assert.False(a.WarmupBeforeFirstRound.InSteps || a.BetweenRounds.InSteps);
        Assert.Equal(42L, t.Seed);
    }

    [Fact]
    public void Setters_CoverEveryBoundedSetting() =>
        Assert.Equal(Bounded().Select(b => b.Path).Order(StringComparer.Ordinal), Setters.Keys.Order(StringComparer.Ordinal));

    [Fact]
    public void MemorySettings_HaveUpperBounds_TheEngineSharesThem()
    {
        // Issue 12: `lora: {r: 1000000}` used to be accepted and killed the silo. Each setting whose size multiplies a
        // trial's memory has an inclusive upper bound, and the engine's constants are the same numbers.
        var maxima = Declared().Where(d => d.Def.Maximum is not null).ToDictionary(d => d.Path, d => d.Def.Maximum!.Value, StringComparer.Ordinal);
        Assert.Equal(LoraConfig.MaxRank, maxima["lora.r"]);
        Assert.Equal(TrainingOptions.MaxBatchSize, maxima["training.batch_size"]);
        Assert.Equal(TrainingOptions.MaxSequenceLengthLimit, maxima["training.max_sequence_length"]);
        Assert.Equal(TrainingOptions.MaxBatchSize, maxima["allocation.val_batch_size"]);
        Assert.Throws<ArgumentException>(() => new LoraConfig { R = 1_000_000 }.Validate());
    }

    [Theory]
    [MemberData(nameof(BoundedSettings))]
    public void EngineValidation_RejectsExactlyWhatTheSchemaRejects_AtEachBound(string path)
    {
        var def = Bounded().Single(b => b.Path == path).Def;
        var step = def.Kind == SettingKind.Integer ? 1.0 : 1e-9;
        var probes = new List<double>();
        foreach (var bound in new[] { def.Minimum, def.ExclusiveMinimum, def.ExclusiveMaximum, def.Maximum }.OfType<double>())
        {
            probes.AddRange([bound - step, bound, bound + step]);
        }

        foreach (var value in probes)
        {
            object stored = def.Kind switch
            {
                SettingKind.Integer => (long)value,
                SettingKind.Schedule => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
                _ => value,
            };
            var schemaAccepts = def.CheckRange(stored) is null;
            var engineAccepts = EngineAccepts(Setters[path](BaseOptions(), value));
            Assert.True(schemaAccepts == engineAccepts, $"{path} = {value}: schema {(schemaAccepts ? "accepts" : "rejects")}, engine {(engineAccepts ? "accepts" : "rejects")}");
        }
    }

    [Theory]
    [InlineData("1", 1.0, false)]
    [InlineData("0.25", 0.25, false)]
    [InlineData("2epochs", 2.0, false)]
    [InlineData("1 epoch", 1.0, false)]
    [InlineData("200steps", 200.0, true)]
    [InlineData("50 step", 50.0, true)]
    [InlineData("0", 0.0, false)]
    public void ScheduleLength_TheOneParserFeedsTheEngine(string text, double value, bool inSteps)
    {
        var spec = new TrialSpec { Task = "sst2", Method = TrialMethods.Alora, Allocation = new AllocationSettings { K1 = text, K2 = text } };

        var allocation = TrialSpecMapping.Map(spec).Allocation;

        Assert.Equal(new EngineLength(value, inSteps), allocation.WarmupBeforeFirstRound);
        Assert.Equal(new EngineLength(value, inSteps), allocation.BetweenRounds);
    }

    private static EngineOptions BaseOptions() => new(new LoraConfig(), new TrainingOptions(), new AllocationOptions { Method = AllocationMethod.Alora });

    private static bool EngineAccepts(EngineOptions o)
    {
        try
        {
            o.Lora.Validate();
            o.Training.Validate();
            o.Allocation.Validate();
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Every declared setting of lora, training and the allocation blocks, allocation keys under <c>allocation.</c>.</summary>
    private static IEnumerable<(string Path, SettingDef Def)> Declared() =>
        SpecSchema.Lora.Select(d => ($"lora.{d.Key}", d))
            .Concat(SpecSchema.Training.Select(d => ($"training.{d.Key}", d)))
            .Concat(SpecSchema.AllocationCommon.Concat(SpecSchema.MethodSpecific.Values.SelectMany(v => v)).Select(d => ($"allocation.{d.Key}", d)));

    private static IEnumerable<(string Path, SettingDef Def)> Bounded() =>
        Declared().Where(d => d.Def.Minimum is not null || d.Def.ExclusiveMinimum is not null || d.Def.ExclusiveMaximum is not null || d.Def.Maximum is not null);

    private static object? Normalise(object? value) => value switch
    {
        int i => (double)i,
        long l => (double)l,
        _ => value,
    };

    private sealed record EngineOptions(LoraConfig Lora, TrainingOptions Training, AllocationOptions Allocation);
}
