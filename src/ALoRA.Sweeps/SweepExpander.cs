using ALoRA.Abstractions.Sweeps;

namespace ALoRA.Sweeps;

/// <summary>
/// Turns a spec into its trials, deterministically. Order: for each sample (0 .. num_samples - 1), for each grid
/// combination (grid keys in document order, the last varying fastest), for each seed. Random domains draw from a
/// hash of (search_seed, sample, YAML path): every grid combination and seed of a sample sees the same draws, and a
/// draw does not depend on anything else in the spec. Trials whose resolved configuration equals an earlier one's
/// are collapsed into it.
/// </summary>
public static class SweepExpander
{
    /// <summary>Length of <see cref="TrialSpec.ConfigHash"/> in hex digits.</summary>
    public const int ConfigHashLength = 12;

    /// <summary>Expands <paramref name="spec"/> into its distinct trials.</summary>
    /// <param name="spec">A parsed spec.</param>
    public static SweepPlan Expand(SweepSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var sweepId = spec.SweepId;
        var grid = spec.Parameters.Where(p => p.Domain.IsGrid).ToList();
        var sizes = grid.Select(p => ((GridSearchDomain)p.Domain).Values.Count).ToArray();
        var combinations = sizes.Aggregate(1L, (a, n) => a * n);
        var trials = new List<TrialSpec>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var duplicates = 0;
        for (var sample = 0; sample < spec.NumSamples; sample++)
        {
            for (var combination = 0L; combination < combinations; combination++)
            {
                var assigned = new Dictionary<string, object?>(StringComparer.Ordinal);
                var rest = combination;
                for (var g = grid.Count - 1; g >= 0; g--)
                {
                    assigned[grid[g].Path] = ((GridSearchDomain)grid[g].Domain).Values[(int)(rest % sizes[g])];
                    rest /= sizes[g];
                }

                var values = new Resolver(spec, sample, assigned);
                foreach (var seed in spec.Seeds)
                {
                    var trial = Build(spec, values, seed);
                    var json = CanonicalJson.Serialize(TrialSettings.Canonical(trial));
                    var hash = CanonicalJson.Sha256Hex(json)[..ConfigHashLength];
                    if (!seen.Add(hash))
                    {
                        duplicates++;
                        continue;
                    }

                    trials.Add(trial with { SweepId = sweepId, TrialId = TrialIds.Of(sweepId, hash), Index = trials.Count, ConfigHash = hash });
                }
            }
        }

        return new SweepPlan(sweepId, spec.Name, spec.Metric, spec.Mode, spec.MaxConcurrentTrials, trials, duplicates, spec.SpecHash);
    }

    private static TrialSpec Build(SweepSpec spec, Resolver values, long seed)
    {
        var method = (string)values.Get("", SpecSchema.Method)!;
        var lora = new LoraSettings
        {
            R = values.Int(SpecSchema.LoraSection, "r"),
            LoraAlpha = (double?)values.Get(SpecSchema.LoraSection, "lora_alpha") ?? 2.0 * values.Int(SpecSchema.LoraSection, "r"),
            LoraDropout = (double)values.Get(SpecSchema.LoraSection, "lora_dropout")!,
            TargetModules = [.. (IReadOnlyList<string>)values.Get(SpecSchema.LoraSection, "target_modules")!],
        };

        const string t = SpecSchema.TrainingSection;
        var training = new TrainingSettings
        {
            LearningRate = (double)values.Get(t, "learning_rate")!,
            BatchSize = values.NullableInt(t, "batch_size"),
            MaxEpochs = values.Int(t, "max_epochs"),
            MaxSteps = values.NullableInt(t, "max_steps"),
            WarmupRatio = (double)values.Get(t, "warmup_ratio")!,
            WeightDecay = (double)values.Get(t, "weight_decay")!,
            EvalEverySteps = values.Int(t, "eval_every_steps"),
            Patience = values.Int(t, "patience"),
            MaxSequenceLength = values.Int(t, "max_sequence_length"),
            Seed = seed,
            MaxDevExamples = values.NullableInt(t, "max_dev_examples"),
            CheckpointEverySteps = values.NullableInt(t, "checkpoint_every_steps"),
            GradientCheckpointing = (bool)values.Get(t, "gradient_checkpointing")!,
            GradientAccumulationSteps = values.Int(t, "gradient_accumulation_steps"),
        };

        AllocationSettings? allocation = null;
        if (TrialMethods.Allocates(method))
        {
            var defaults = new AllocationSettings();
            allocation = new AllocationSettings
            {
                K1 = (string)values.Get(method, "k1")!,
                K2 = (string)values.Get(method, "k2")!,
                Rounds = values.Int(method, "n_rounds"),
                RanksPerRound = values.NullableInt(method, "ranks_per_round") ?? lora.TargetModules.Count,
                ValBatchSize = values.Int(method, "val_batch_size"),
                ResampleValBatch = (bool)values.Get(method, "resample_val_batch")!,
                Scorer = method == TrialMethods.Alora ? (string)values.Get(method, "scorer")! : defaults.Scorer,
                GateLearningRate = method == TrialMethods.AloraDnas ? (double?)values.Get(method, "gate_learning_rate") ?? training.LearningRate : null,
                SensitivityBeta1 = method == TrialMethods.AloraSensi ? (double)values.Get(method, "beta1")! : defaults.SensitivityBeta1,
                SensitivityBeta2 = method == TrialMethods.AloraSensi ? (double)values.Get(method, "beta2")! : defaults.SensitivityBeta2,
                ShortlistFactor = method == TrialMethods.Alora ? values.Int(method, "shortlist_factor") : defaults.ShortlistFactor,
            };
        }

        var searchValues = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in spec.Parameters.Where(p => p.Domain is not FixedDomain && (p.Section is "" or SpecSchema.LoraSection or SpecSchema.TrainingSection || p.Section == method)))
        {
            searchValues[p.Path] = SpecSchema.Format(values.Get(p.Section, p.Key, p));
        }

        return new TrialSpec
        {
            Model = spec.ResolvePath(spec.Model),
            DType = spec.ModelDType,
            Data = spec.ResolvePath(spec.Data),
            Task = spec.Task,
            Method = method,
            Lora = lora,
            Training = training,
            Allocation = allocation,
            SearchValues = searchValues,
            Stopping = spec.Stopping,
        };
    }

    /// <summary>Values of one (sample, grid combination): fixed, assigned by the grid, or drawn.</summary>
    private sealed class Resolver(SweepSpec spec, int sample, Dictionary<string, object?> assigned)
    {
        public object? Get(string section, SettingDef def) => Get(section, def.Key, spec.FindParameter(section.Length == 0 ? def.Key : $"{section}.{def.Key}"), def.Default);

        public object? Get(string section, string key) =>
            Get(section, SpecSchema.Section(section)!.First(d => d.Key == key));

        public object? Get(string section, string key, SweepParameter? parameter, object? fallback = null) => parameter?.Domain switch
        {
            null => fallback,
            FixedDomain f => f.Value,
            GridSearchDomain => assigned[parameter.Path],
            { IsRandom: true } d => d.Draw(DeterministicRandom.Uniform(spec.SearchSeed, sample, parameter.Path)),
            _ => throw new InvalidOperationException($"{section}.{key}: unexpected domain"),
        };

        public int Int(string section, string key) => checked((int)(long)Get(section, key)!);

        public int? NullableInt(string section, string key) => Get(section, key) is long l ? checked((int)l) : null;
    }
}
