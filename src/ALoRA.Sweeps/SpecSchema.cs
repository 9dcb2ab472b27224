using System.Globalization;
using ALoRA.Abstractions.Sweeps;

namespace ALoRA.Sweeps;

/// <summary>
/// Every key a sweep spec may contain, declared once: types, defaults (the paper's), ranges and meanings. The reader,
/// the expander, the trial check, the docs tables and the JSON Schema follow from it (docs/sweep-spec.md, "Adding a
/// setting").
/// </summary>
public static class SpecSchema
{
    /// <summary>Name of the adapter block.</summary>
    public const string LoraSection = "lora";

    /// <summary>Name of the optimisation block.</summary>
    public const string TrainingSection = "training";

    /// <summary>Pattern of <c>id</c>.</summary>
    public const string IdPattern = "^[a-z0-9][a-z0-9-]{0,62}$";

    /// <summary>Default of <c>metric</c>.</summary>
    public const string DefaultMetric = "dev_accuracy";

    /// <summary>
    /// Largest <c>lora.r</c>: the rank of an adapter multiplies its parameters, optimizer moments and gradients; 1024 is
    /// above the hidden size of most models that are fine-tuned with LoRA and far above any rank the method uses
    /// (docs/sweep-spec.md, "Limits"). The engine's <c>LoraConfig.MaxRank</c> is the same number.
    /// </summary>
    public const int MaxRank = 1024;

    /// <summary>Largest <c>training.batch_size</c> and <c>val_batch_size</c>: a batch multiplies activation memory.</summary>
    public const int MaxBatchSize = 4096;

    /// <summary>Largest <c>training.max_sequence_length</c>: a sequence length multiplies activation memory (128 Ki tokens).</summary>
    public const int MaxSequenceLength = 131_072;

    /// <summary>Default of <c>max_concurrent_trials</c>.</summary>
    public const int DefaultMaxConcurrentTrials = 4;

    /// <summary>Default of <c>num_samples</c>.</summary>
    public const int DefaultNumSamples = 1;

    /// <summary>Default of <c>seeds</c>; a default <see cref="TrainingSettings"/> has the first one.</summary>
    public static IReadOnlyList<long> DefaultSeeds { get; } = [42];

    /// <summary>Task names (the engine's task registry holds the same; a test keeps them equal).</summary>
    public static IReadOnlyList<string> Tasks { get; } = ["sst2", "rte", "qnli", "boolq", "copa", "prompt"];

    /// <summary>Metrics that can rank trials.</summary>
    public static IReadOnlyList<string> Metrics { get; } = ["dev_accuracy", "test_accuracy", "dev_loss", "test_loss"];

    /// <summary>Values of <c>mode</c>.</summary>
    public static IReadOnlyList<string> Modes { get; } = ["max", "min"];

    /// <summary>Values of <c>alora.scorer</c>.</summary>
    public static IReadOnlyList<string> Scorers { get; } = ["fast", "reference", "approx", "hybrid"];

    /// <summary>The search-domain keywords, in documentation order.</summary>
    public static IReadOnlyList<string> DomainKeywords { get; } = ["grid_search", "choice", "uniform", "loguniform", "randint"];

    /// <summary>Every top-level key, in documentation order.</summary>
    public static IReadOnlyList<string> TopLevelKeys { get; } =
    [
        "id", "name", "model", "data", "task", "metric", "mode", "max_concurrent_trials", "seeds", "num_samples",
        "search_seed", "method", LoraSection, TrainingSection, TrialMethods.Alora, TrialMethods.AloraDnas, TrialMethods.AloraSensi,
        "scheduler",
    ];

    /// <summary>The <c>method</c> key: searchable with <c>grid_search</c> and <c>choice</c>.</summary>
    public static SettingDef Method { get; } = new("method", SettingKind.Text, TrialMethods.Alora,
        "Allocation method. `lora` keeps rank r everywhere; the others prune and re-allocate ranks in rounds.")
    {
        Allowed = TrialMethods.All, Read = t => t.Method,
    };

    /// <summary>The keys of the <c>lora</c> block.</summary>
    public static IReadOnlyList<SettingDef> Lora { get; } =
    [
        new("r", SettingKind.Integer, 8L, "Initial rank of every adapted module: the per-module budget.")
        {
            Minimum = 1, Maximum = MaxRank, DefaultNote = "paper", Read = t => t.Lora.R,
        },
        new("lora_alpha", SettingKind.Real, null, "Scale numerator (scale = alpha / r). Trials carry the resolved value.")
        {
            Nullable = true, ExclusiveMinimum = 0, DefaultNote = "means 2 * r", Read = t => t.Lora.LoraAlpha,
        },
        new("lora_dropout", SettingKind.Real, 0.0, "Dropout on the adapter input.")
        {
            Minimum = 0, ExclusiveMaximum = 1, Read = t => t.Lora.LoraDropout,
        },
        new("target_modules", SettingKind.ModuleList, LoraSettings.LlamaModuleNames,
            "Adapted module types. Not searchable. Stored in model order, so the order written does not matter.")
        {
            Allowed = LoraSettings.LlamaModuleNames, DefaultNote = "all seven, paper", Read = t => t.Lora.TargetModules,
        },
    ];

    /// <summary>The keys of the <c>training</c> block.</summary>
    public static IReadOnlyList<SettingDef> Training { get; } =
    [
        new("learning_rate", SettingKind.Real, 1e-4, "Peak AdamW learning rate.")
        {
            ExclusiveMinimum = 0, DefaultNote = "paper", Read = t => t.Training.LearningRate,
        },
        new("batch_size", SettingKind.Integer, null, "Training batch size.")
        {
            Nullable = true, Minimum = 1, Maximum = MaxBatchSize, DefaultNote = "paper: 16 below 10k training examples, else 128; decided by the engine",
            Read = t => t.Training.BatchSize,
        },
        new("max_epochs", SettingKind.Integer, 10L, "Epoch limit.") { Minimum = 1, DefaultNote = "paper", Read = t => t.Training.MaxEpochs },
        new("max_steps", SettingKind.Integer, null, "Step cap on top of `max_epochs`.")
        {
            Nullable = true, Minimum = 1, DefaultNote = "no cap", Read = t => t.Training.MaxSteps,
        },
        new("warmup_ratio", SettingKind.Real, 0.06, "Share of the steps in linear warm-up.")
        {
            Minimum = 0, ExclusiveMaximum = 1, DefaultNote = "paper", Read = t => t.Training.WarmupRatio,
        },
        new("weight_decay", SettingKind.Real, 0.0, "AdamW decoupled weight decay.") { Minimum = 0, Read = t => t.Training.WeightDecay },
        new("eval_every_steps", SettingKind.Integer, 200L, "Dev evaluation interval in optimizer steps.")
        {
            Minimum = 1, DefaultNote = "paper", Read = t => t.Training.EvalEverySteps,
        },
        new("patience", SettingKind.Integer, 10L, "Early stopping after this many evaluations without a lower dev loss.")
        {
            Minimum = 1, DefaultNote = "paper", Read = t => t.Training.Patience,
        },
        new("max_sequence_length", SettingKind.Integer, 2048L,
            "Inputs are truncated to this many tokens, BOS and EOS included; capped at the model's `max_position_embeddings` (the trial reports the length it used). Batches are padded to their longest row only.")
        {
            Minimum = 8, Maximum = MaxSequenceLength, DefaultNote = "paper", Read = t => t.Training.MaxSequenceLength,
        },
        new("max_dev_examples", SettingKind.Integer, null, "Evaluate on the first N dev examples only.")
        {
            Nullable = true, Minimum = 1, DefaultNote = "the whole split", Read = t => t.Training.MaxDevExamples,
        },
        new("checkpoint_every_steps", SettingKind.Integer, 200L, "Resumable checkpoint interval in optimizer steps; null writes one only at the end and on cancellation.")
        {
            Nullable = true, Minimum = 1, Read = t => t.Training.CheckpointEverySteps,
        },
        new("gradient_checkpointing", SettingKind.Boolean, false,
            "Recompute each decoder layer's activations in the backward pass instead of keeping them: less activation memory, about one more forward per step, the same gradients. With `lora_dropout` > 0 only on the CPU.")
        {
            Read = t => t.Training.GradientCheckpointing,
        },
        new("gradient_accumulation_steps", SettingKind.Integer, 1L,
            "Micro-batches per optimizer step: `batch_size` stays the effective batch (it must be divisible by this), each micro-batch has `batch_size` / N rows. Steps, schedules and intervals stay in optimizer steps.")
        {
            Minimum = 1, Maximum = MaxBatchSize, Read = t => t.Training.GradientAccumulationSteps,
        },
    ];

    /// <summary>The keys every allocating method's block has.</summary>
    public static IReadOnlyList<SettingDef> AllocationCommon { get; } =
    [
        new("k1", SettingKind.Schedule, "1", "Training before the first allocation round.")
        {
            Minimum = 0, DefaultNote = "paper: 1 epoch", Read = t => t.Allocation!.K1,
        },
        new("k2", SettingKind.Schedule, "0.25", "Training between rounds.")
        {
            Minimum = 0, DefaultNote = "paper: a quarter epoch", Read = t => t.Allocation!.K2,
        },
        new("n_rounds", SettingKind.Integer, 8L, "Number of allocation rounds.") { Minimum = 1, DefaultNote = "paper N_A", Read = t => t.Allocation!.Rounds },
        new("ranks_per_round", SettingKind.Integer, null, "Ranks pruned and re-allocated per round.")
        {
            Nullable = true, Minimum = 1, DefaultNote = "means the number of target module types", Read = t => t.Allocation!.RanksPerRound,
        },
        new("val_batch_size", SettingKind.Integer, 32L, "Validation batch that scores ranks.")
        {
            Minimum = 1, Maximum = MaxBatchSize, DefaultNote = "paper", Read = t => t.Allocation!.ValBatchSize,
        },
        new("resample_val_batch", SettingKind.Boolean, true, "New validation batch every round.") { Read = t => t.Allocation!.ResampleValBatch },
    ];

    /// <summary>The keys only one method's block has, by method.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<SettingDef>> MethodSpecific { get; } = new Dictionary<string, IReadOnlyList<SettingDef>>(StringComparer.Ordinal)
    {
        [TrialMethods.Alora] =
        [
            new("scorer", SettingKind.Text, "fast", "AB-LoRA scorer: `fast` and `reference` are exact (fast path, literal definition); `approx` estimates every rank from gate gradients (about 6 forwards per round); `hybrid` estimates, then scores a shortlist exactly and prunes on the exact values.")
            {
                Allowed = Scorers, Read = t => t.Allocation!.Scorer,
            },
            new("shortlist_factor", SettingKind.Integer, 3L, "`hybrid` only: the shortlist scored exactly holds this many times `ranks_per_round` ranks.")
            {
                Minimum = 1, Read = t => t.Allocation!.ShortlistFactor,
            },
        ],
        [TrialMethods.AloraDnas] =
        [
            new("gate_learning_rate", SettingKind.Real, null, "Learning rate of the architecture gates. Trials carry the resolved value.")
            {
                Nullable = true, ExclusiveMinimum = 0, DefaultNote = "means training.learning_rate", Read = t => t.Allocation!.GateLearningRate,
            },
        ],
        [TrialMethods.AloraSensi] =
        [
            new("beta1", SettingKind.Real, 0.85, "Smoothing of the sensitivity.")
            {
                Minimum = 0, ExclusiveMaximum = 1, DefaultNote = "AdaLoRA", Read = t => t.Allocation!.SensitivityBeta1,
            },
            new("beta2", SettingKind.Real, 0.85, "Smoothing of the uncertainty.")
            {
                Minimum = 0, ExclusiveMaximum = 1, DefaultNote = "AdaLoRA", Read = t => t.Allocation!.SensitivityBeta2,
            },
        ],
    };

    private static readonly Dictionary<string, IReadOnlyList<SettingDef>> Sections = new(StringComparer.Ordinal)
    {
        [LoraSection] = Lora,
        [TrainingSection] = Training,
        [TrialMethods.Alora] = [.. AllocationCommon, .. MethodSpecific[TrialMethods.Alora]],
        [TrialMethods.AloraDnas] = [.. AllocationCommon, .. MethodSpecific[TrialMethods.AloraDnas]],
        [TrialMethods.AloraSensi] = [.. AllocationCommon, .. MethodSpecific[TrialMethods.AloraSensi]],
    };

    /// <summary>The block names, in documentation order: <c>lora</c>, <c>training</c>, then the allocating methods.</summary>
    public static IReadOnlyList<string> SectionNames { get; } = [LoraSection, TrainingSection, TrialMethods.Alora, TrialMethods.AloraDnas, TrialMethods.AloraSensi];

    /// <summary>The keys of a block (<c>lora</c>, <c>training</c> or a method name), or null for other names.</summary>
    /// <param name="name">A block name.</param>
    public static IReadOnlyList<SettingDef>? Section(string name) => Sections.GetValueOrDefault(name);

    /// <summary>The blocks (other than <paramref name="except"/>) that have a key <paramref name="key"/>.</summary>
    internal static IEnumerable<string> SectionsWithKey(string key, string except) =>
        SectionNames.Where(s => s != except && Sections[s].Any(d => d.Key == key));

    /// <summary>Invariant text of a stored value, as used in messages and <see cref="TrialSpec.SearchValues"/>.</summary>
    /// <param name="value">A value in its stored representation.</param>
    public static string Format(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        int i => i.ToString(CultureInfo.InvariantCulture),
        string s => s,
        IEnumerable<string> list => "[" + string.Join(", ", list) + "]",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
