using System.Globalization;
using ALoRA.Abstractions.Sweeps;

namespace ALoRA.Sweeps;

/// <summary>Every key a sweep spec may contain, with types, defaults (the paper's) and ranges.</summary>
internal static class SpecSchema
{
    public const string LoraSection = "lora";
    public const string TrainingSection = "training";

    public static readonly IReadOnlyList<string> Tasks = ["sst2", "rte", "qnli", "boolq", "copa", "prompt"];
    public static readonly IReadOnlyList<string> Metrics = ["dev_accuracy", "test_accuracy", "dev_loss", "test_loss"];
    public static readonly IReadOnlyList<string> Modes = ["max", "min"];
    public static readonly IReadOnlyList<string> Scorers = ["fast", "reference"];
    public static readonly IReadOnlyList<string> DomainKeywords = ["grid_search", "choice", "uniform", "loguniform", "randint"];

    public static readonly IReadOnlyList<string> TopLevelKeys =
    [
        "id", "name", "model", "data", "task", "metric", "mode", "max_concurrent_trials", "seeds", "num_samples",
        "search_seed", "method", LoraSection, TrainingSection, TrialMethods.Alora, TrialMethods.AloraDnas, TrialMethods.AloraSensi,
    ];

    public static readonly SettingDef Method = new("method", SettingKind.Text, TrialMethods.Alora, Allowed: TrialMethods.All);

    public static readonly IReadOnlyList<SettingDef> Lora =
    [
        new("r", SettingKind.Integer, 8L, Check: AtLeast(1)),
        new("lora_alpha", SettingKind.Real, null, Nullable: true, Check: Positive),
        new("lora_dropout", SettingKind.Real, 0.0, Check: UnitInterval),
        new("target_modules", SettingKind.ModuleList, LoraSettings.LlamaModuleNames),
    ];

    public static readonly IReadOnlyList<SettingDef> Training =
    [
        new("learning_rate", SettingKind.Real, 1e-4, Check: Positive),
        new("batch_size", SettingKind.Integer, null, Nullable: true, Check: AtLeast(1)),
        new("max_epochs", SettingKind.Integer, 10L, Check: AtLeast(1)),
        new("max_steps", SettingKind.Integer, null, Nullable: true, Check: AtLeast(1)),
        new("warmup_ratio", SettingKind.Real, 0.06, Check: UnitInterval),
        new("weight_decay", SettingKind.Real, 0.0, Check: NonNegative),
        new("eval_every_steps", SettingKind.Integer, 200L, Check: AtLeast(1)),
        new("patience", SettingKind.Integer, 10L, Check: AtLeast(1)),
        new("max_sequence_length", SettingKind.Integer, 256L, Check: AtLeast(8)),
        new("max_dev_examples", SettingKind.Integer, null, Nullable: true, Check: AtLeast(1)),
        new("checkpoint_every_steps", SettingKind.Integer, 200L, Nullable: true, Check: AtLeast(1)),
    ];

    private static readonly IReadOnlyList<SettingDef> AllocationCommon =
    [
        new("k1", SettingKind.Schedule, "1", Check: NonNegativeSchedule),
        new("k2", SettingKind.Schedule, "0.25", Check: NonNegativeSchedule),
        new("n_rounds", SettingKind.Integer, 8L, Check: AtLeast(1)),
        new("ranks_per_round", SettingKind.Integer, null, Nullable: true, Check: AtLeast(1)),
        new("val_batch_size", SettingKind.Integer, 32L, Check: AtLeast(1)),
        new("resample_val_batch", SettingKind.Boolean, true),
    ];

    private static readonly IReadOnlyDictionary<string, IReadOnlyList<SettingDef>> Sections = new Dictionary<string, IReadOnlyList<SettingDef>>
    {
        [LoraSection] = Lora,
        [TrainingSection] = Training,
        [TrialMethods.Alora] = [.. AllocationCommon, new("scorer", SettingKind.Text, "fast", Allowed: Scorers)],
        [TrialMethods.AloraDnas] = [.. AllocationCommon, new("gate_learning_rate", SettingKind.Real, null, Nullable: true, Check: Positive)],
        [TrialMethods.AloraSensi] =
        [
            .. AllocationCommon,
            new("beta1", SettingKind.Real, 0.85, Check: UnitInterval),
            new("beta2", SettingKind.Real, 0.85, Check: UnitInterval),
        ],
    };

    /// <summary>The keys of a block (<c>lora</c>, <c>training</c> or a method name), or null for other names.</summary>
    public static IReadOnlyList<SettingDef>? Section(string name) => Sections.GetValueOrDefault(name);

    /// <summary>The blocks (other than <paramref name="except"/>) that have a key <paramref name="key"/>.</summary>
    public static IEnumerable<string> SectionsWithKey(string key, string except) =>
        Sections.Where(s => s.Key != except && s.Value.Any(d => d.Key == key)).Select(s => s.Key);

    /// <summary>Invariant text of a stored value, as used in messages and <see cref="TrialSpec.SearchValues"/>.</summary>
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

    private static Func<object, string?> AtLeast(long min) => v => (long)v >= min ? null : $"must be >= {min}";

    private static string? Positive(object v) => (double)v > 0 ? null : "must be > 0";

    private static string? NonNegative(object v) => (double)v >= 0 ? null : "must be >= 0";

    private static string? UnitInterval(object v) => (double)v is >= 0 and < 1 ? null : "must be in [0, 1)";

    private static string? NonNegativeSchedule(object v) => ScheduleLength.Parse((string)v).Value >= 0 ? null : "must be >= 0";
}
