using System.Collections.Immutable;
using System.Globalization;
using ALoRA.Abstractions.Sweeps;
using ALoRA.Engine.Data;
using ALoRA.Engine.Lora;
using ALoRA.Engine.Training;

namespace ALoRA.Grains.Training;

/// <summary>
/// Maps a <see cref="TrialSpec"/> onto the engine's <see cref="LoraConfig"/>, <see cref="TrainingOptions"/> and
/// <see cref="AllocationOptions"/>, checking every value on the way. Errors name the setting by its sweep-spec path
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
        var lora = MapLora(spec, errors);
        var training = MapTraining(spec.Training ?? new TrainingSettings(), errors);
        var allocation = method == AllocationMethod.Lora ? new AllocationOptions() : MapAllocation(spec, method, errors);
        if (errors.Count > 0)
        {
            throw new ArgumentException($"Invalid trial {spec.TrialId}: {string.Join("; ", errors)}");
        }

        // The engine's own checks as a backstop (they pass whenever the ones above do).
        lora.Validate();
        training.Validate();
        allocation.Validate();
        return new TrialEngineSettings(task!, lora, training, allocation);
    }

    /// <summary>The adapter: r, lora_alpha (null = 2r), lora_dropout, target_modules; seeded by the training seed.</summary>
    private static LoraConfig MapLora(TrialSpec spec, List<string> errors)
    {
        var lora = spec.Lora ?? new LoraSettings();
        Check(errors, lora.R >= 1, "lora.r", "must be >= 1", lora.R);
        Check(errors, lora.LoraAlpha is null || (lora.LoraAlpha > 0 && double.IsFinite(lora.LoraAlpha.Value)), "lora.lora_alpha", "must be > 0 or null", lora.LoraAlpha);
        Check(errors, lora.LoraDropout is >= 0 and < 1, "lora.lora_dropout", "must be in [0, 1)", lora.LoraDropout);
        var targets = lora.TargetModules ?? [];
        Check(errors, targets.Count > 0, "lora.target_modules", "must name at least one module", "[]");
        for (var i = 0; i < targets.Count; i++)
        {
            Check(errors, LoraSettings.LlamaModuleNames.Contains(targets[i]), $"lora.target_modules[{i}]",
                  $"must be one of {string.Join(", ", LoraSettings.LlamaModuleNames)}", targets[i]);
        }

        return new LoraConfig
        {
            R = lora.R,
            LoraAlpha = lora.LoraAlpha,
            LoraDropout = lora.LoraDropout,
            TargetModules = [.. targets],
            InitSeed = spec.Training?.Seed ?? 0,
        };
    }

    private static TrainingOptions MapTraining(TrainingSettings t, List<string> errors)
    {
        Check(errors, t.LearningRate > 0 && double.IsFinite(t.LearningRate), "training.learning_rate", "must be > 0", t.LearningRate);
        Check(errors, t.BatchSize is null or >= 1, "training.batch_size", "must be >= 1 or null", t.BatchSize);
        Check(errors, t.MaxEpochs >= 1, "training.max_epochs", "must be >= 1", t.MaxEpochs);
        Check(errors, t.MaxSteps is null or >= 1, "training.max_steps", "must be >= 1 or null", t.MaxSteps);
        Check(errors, t.WarmupRatio is >= 0 and < 1, "training.warmup_ratio", "must be in [0, 1)", t.WarmupRatio);
        Check(errors, t.WeightDecay >= 0 && double.IsFinite(t.WeightDecay), "training.weight_decay", "must be >= 0", t.WeightDecay);
        Check(errors, t.EvalEverySteps >= 1, "training.eval_every_steps", "must be >= 1", t.EvalEverySteps);
        Check(errors, t.Patience >= 1, "training.patience", "must be >= 1", t.Patience);
        Check(errors, t.MaxSequenceLength >= 8, "training.max_sequence_length", "must be >= 8", t.MaxSequenceLength);
        Check(errors, t.MaxDevExamples is null or >= 1, "training.max_dev_examples", "must be >= 1 or null", t.MaxDevExamples);
        Check(errors, t.CheckpointEverySteps is null or >= 1, "training.checkpoint_every_steps", "must be >= 1 or null", t.CheckpointEverySteps);
        return new TrainingOptions
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
        };
    }

    /// <summary>The schedule of an allocating method; settings are named under the method's block (<c>alora-sensi.k1</c>).</summary>
    private static AllocationOptions MapAllocation(TrialSpec spec, AllocationMethod method, List<string> errors)
    {
        var a = spec.Allocation ?? new AllocationSettings();
        var block = method.ToName();
        var k1 = Length(errors, $"{block}.k1", a.K1);
        var k2 = Length(errors, $"{block}.k2", a.K2);
        Check(errors, a.Rounds >= 1, $"{block}.n_rounds", "must be >= 1", a.Rounds);
        Check(errors, a.RanksPerRound is null or >= 1, $"{block}.ranks_per_round", "must be >= 1 or null", a.RanksPerRound);
        Check(errors, a.ValBatchSize >= 1, $"{block}.val_batch_size", "must be >= 1", a.ValBatchSize);
        Check(errors, a.Scorer is "fast" or "reference", $"{block}.scorer", "must be fast or reference", a.Scorer);
        Check(errors, a.GateLearningRate is null || (a.GateLearningRate > 0 && double.IsFinite(a.GateLearningRate.Value)),
              $"{block}.gate_learning_rate", "must be > 0 or null", a.GateLearningRate);
        Check(errors, a.SensitivityBeta1 is >= 0 and < 1, $"{block}.beta1", "must be in [0, 1)", a.SensitivityBeta1);
        Check(errors, a.SensitivityBeta2 is >= 0 and < 1, $"{block}.beta2", "must be in [0, 1)", a.SensitivityBeta2);
        return new AllocationOptions
        {
            Method = method,
            WarmupBeforeFirstRound = k1 ?? ScheduleLength.Epochs(1),
            BetweenRounds = k2 ?? ScheduleLength.Epochs(0.25),
            Rounds = a.Rounds,
            RanksPerRound = a.RanksPerRound,
            ValidationBatchSize = a.ValBatchSize,
            ResampleValidationBatch = a.ResampleValBatch,
            ReferenceScorer = a.Scorer == "reference",
            GateLearningRate = a.GateLearningRate,
            SensitivityBeta1 = a.SensitivityBeta1,
            SensitivityBeta2 = a.SensitivityBeta2,
        };
    }

    /// <summary>Parses a schedule length: >= 0, and a whole number when in steps.</summary>
    private static ScheduleLength? Length(List<string> errors, string field, string? text)
    {
        var length = Try(errors, field, () => ScheduleLength.Parse(text ?? ""));
        if (length is not null)
        {
            Check(errors, length.Value >= 0 && double.IsFinite(length.Value) && (!length.InSteps || length.Value == Math.Floor(length.Value)),
                  field, "must be a length >= 0 (whole steps)", text);
        }

        return length;
    }

    private static T? Try<T>(List<string> errors, string field, Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            var message = ex is ArgumentException { ParamName: { } name } ? ex.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : ex.Message;
            errors.Add($"{field}: {message}");
            return default;
        }
    }

    private static void Check(List<string> errors, bool ok, string field, string rule, object? value)
    {
        if (!ok)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{field} {rule}, got {value ?? "null"}"));
        }
    }
}
