using ALoRA.Abstractions.Sweeps;
using ALoRA.Engine.Data;
using ALoRA.Engine.Lora;
using ALoRA.Engine.Scoring;
using ALoRA.Engine.Training;
using ALoRA.Sweeps;
using EngineLength = ALoRA.Engine.Training.ScheduleLength;
using SpecLength = ALoRA.Sweeps.ScheduleLength;

namespace ALoRA.Grains.Training;

/// <summary>
/// Maps a <see cref="TrialSpec"/> onto the engine's <see cref="LoraConfig"/>, <see cref="TrainingOptions"/> and
/// <see cref="AllocationOptions"/>. Every setting is first checked against the sweep-spec schema
/// (<see cref="TrialSettings.Check"/>, the reader's own rules); errors name the setting by its sweep-spec path
/// (<c>training.learning_rate</c>, <c>alora.k1</c>, <c>lora.target_modules[2]</c>), all of them in one message.
/// </summary>
public static class TrialSpecMapping
{
    /// <summary>Maps and checks <paramref name="spec"/>.</summary>
    /// <exception cref="ArgumentException">One or more settings are invalid; the message names each one.</exception>
    public static TrialEngineSettings Map(TrialSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var errors = new List<string>();
        var task = Try(errors, "task", () => TaskRegistry.Get(spec.Task ?? ""));
        var method = Try(errors, "method", () => AllocationMethods.Parse(spec.Method ?? ""));
        errors.AddRange(TrialSettings.Check(spec));
        if (errors.Count > 0)
        {
            throw new ArgumentException($"Invalid trial {spec.TrialId}: {string.Join("; ", errors)}");
        }

        var training = MapTraining(spec.Training ?? new TrainingSettings());
        var lora = MapLora(spec.Lora ?? new LoraSettings(), training.Seed);
        var allocation = method == AllocationMethod.Lora ? new AllocationOptions() : MapAllocation(spec.Allocation ?? new AllocationSettings(), method);

        // The engine's own checks as a backstop (they pass whenever the schema's do; a test checks their boundaries agree).
        lora.Validate();
        training.Validate();
        allocation.Validate();
        return new TrialEngineSettings(task!, lora, training, allocation);
    }

    /// <summary>The adapter: r, lora_alpha (null = 2r), lora_dropout, target_modules; seeded by the training seed.</summary>
    private static LoraConfig MapLora(LoraSettings lora, long seed) => new()
    {
        R = lora.R,
        LoraAlpha = lora.LoraAlpha,
        LoraDropout = lora.LoraDropout,
        TargetModules = [.. lora.TargetModules],
        InitSeed = seed,
    };

    private static TrainingOptions MapTraining(TrainingSettings t) => new()
    {
        LearningRate = t.LearningRate,
        BatchSize = t.BatchSize,
        MaxEpochs = t.MaxEpochs,
        MaxSteps = t.MaxSteps,
        WarmupRatio = t.WarmupRatio,
        WeightDecay = t.WeightDecay,
        EvalEverySteps = t.EvalEverySteps,
        Patience = t.Patience,
        MaxSequenceLength = t.MaxSequenceLength,
        Seed = t.Seed,
        MaxDevExamples = t.MaxDevExamples,
        CheckpointEverySteps = t.CheckpointEverySteps,
        GradientCheckpointing = t.GradientCheckpointing,
        GradientAccumulationSteps = t.GradientAccumulationSteps,
    };

    /// <summary>The schedule of an allocating method.</summary>
    private static AllocationOptions MapAllocation(AllocationSettings a, AllocationMethod method) => new()
    {
        Method = method,
        WarmupBeforeFirstRound = Length(a.K1),
        BetweenRounds = Length(a.K2),
        Rounds = a.Rounds,
        RanksPerRound = a.RanksPerRound,
        ValidationBatchSize = a.ValBatchSize,
        ResampleValidationBatch = a.ResampleValBatch,
        Scorer = AbLoraScorerKinds.Parse(a.Scorer),
        ShortlistFactor = a.ShortlistFactor,
        GateLearningRate = a.GateLearningRate,
        SensitivityBeta1 = a.SensitivityBeta1,
        SensitivityBeta2 = a.SensitivityBeta2,
    };

    /// <summary>
    /// A schedule length already checked by the schema, parsed by the sweep side's one parser; its
    /// <see cref="EngineLength.ToSteps"/> is the engine's rule, which the simulated engine uses too.
    /// </summary>
    internal static EngineLength Length(string text)
    {
        var length = SpecLength.Parse(text);
        return new EngineLength(length.Value, InSteps: length.Unit == ScheduleUnit.Steps);
    }

    private static T? Try<T>(List<string> errors, string field, Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (ArgumentException ex)
        {
            var message = ex.ParamName is { } name ? ex.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : ex.Message;
            errors.Add($"{field}: {message}");
            return default;
        }
    }
}
