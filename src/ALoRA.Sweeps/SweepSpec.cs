using ALoRA.Abstractions.Sweeps;

namespace ALoRA.Sweeps;

/// <summary>
/// A parsed and validated sweep spec (see docs/sweep-spec.md). Produced only by <see cref="SweepSpecParser"/> (and, from a
/// received definition, <see cref="SweepDefinitions.Read"/>), so every value in it is valid;
/// <see cref="SweepExpander.Expand"/> turns it into trials.
/// </summary>
public sealed class SweepSpec
{
    private string? _specHash;

    internal SweepSpec()
    {
    }

    /// <summary>The sweep id: <see cref="Id"/> when given, else <c>sw-</c> and the first 10 hex digits of <see cref="SpecHash"/>.</summary>
    public string SweepId => Id ?? "sw-" + SpecHash[..10];

    /// <summary>The id written in the spec (<c>id:</c>), or null.</summary>
    public string? Id { get; internal init; }

    /// <summary>Display name (<c>name:</c>), or null.</summary>
    public string? Name { get; internal init; }

    /// <summary>Model folder as written in the spec; see <see cref="ResolvePath"/>.</summary>
    public string Model { get; internal init; } = "";

    /// <summary>
    /// The base model's dtype (<c>model.dtype</c>, one of <see cref="ModelDTypes.All"/>), or null when the spec gives none
    /// (the trainer's device default: float32 on CPU, bfloat16 on CUDA).
    /// </summary>
    public string? ModelDType { get; internal init; }

    /// <summary>Data folder as written in the spec; see <see cref="ResolvePath"/>.</summary>
    public string Data { get; internal init; } = "";

    /// <summary>Folder that relative <see cref="Model"/> and <see cref="Data"/> paths resolve against, or null (left relative).</summary>
    public string? BaseDirectory { get; internal init; }

    /// <summary>Name of the source (usually the spec file's path), or null.</summary>
    public string? SourceName { get; internal init; }

    /// <summary>Task name: sst2, rte, qnli, boolq, copa or prompt.</summary>
    public string Task { get; internal init; } = "";

    /// <summary>Metric that ranks trials: dev_accuracy, test_accuracy, dev_loss or test_loss.</summary>
    public string Metric { get; internal init; } = SpecSchema.DefaultMetric;

    /// <summary>Whether <see cref="Metric"/> is maximised or minimised.</summary>
    public MetricMode Mode { get; internal init; } = MetricMode.Max;

    /// <summary>The most trials of this sweep that run at once.</summary>
    public int MaxConcurrentTrials { get; internal init; } = SpecSchema.DefaultMaxConcurrentTrials;

    /// <summary>Training seeds; every configuration runs once per seed.</summary>
    public IReadOnlyList<long> Seeds { get; internal init; } = SpecSchema.DefaultSeeds;

    /// <summary>How many times the grid is repeated (random domains re-drawn each time).</summary>
    public int NumSamples { get; internal init; } = SpecSchema.DefaultNumSamples;

    /// <summary>Seed of the random domains.</summary>
    public long SearchSeed { get; internal init; }

    /// <summary>The <c>method</c> parameter (a fixed <c>alora</c> when the spec does not mention it).</summary>
    public SweepParameter Method { get; internal init; } = new("method", "", "method", new FixedDomain(TrialMethods.Alora));

    /// <summary>Every setting written in the spec (including <c>method</c>), in document order; absent ones take defaults.</summary>
    public IReadOnlyList<SweepParameter> Parameters { get; internal init; } = [];

    /// <summary>The distinct methods the sweep's trials use, in the order the spec lists them.</summary>
    public IReadOnlyList<string> Methods { get; internal init; } = [TrialMethods.Alora];

    /// <summary>
    /// The early stopping across trials (the <c>scheduler</c> block, docs/sweep-spec.md, "scheduler"), or null when the
    /// spec has none or <c>type: none</c>. Every trial carries it (<see cref="TrialSpec.Stopping"/>).
    /// </summary>
    public StoppingSettings? Stopping { get; internal init; }

    /// <summary>SHA-256 (64 lowercase hex digits) of the canonical JSON of the spec with every default filled in.</summary>
    public string SpecHash => _specHash ??= CanonicalJson.Sha256Hex(CanonicalJson.Serialize(SpecCanonicalizer.Canonicalize(this)));

    /// <summary>1-based (line, column) of the value at each YAML path that was written.</summary>
    internal IReadOnlyDictionary<string, (int Line, int Column)> Locations { get; init; } = new Dictionary<string, (int, int)>();

    /// <summary>An error about the value at <paramref name="path"/> (<c>lora.r</c>), at its line and column when the spec has it.</summary>
    /// <param name="path">A YAML path.</param>
    /// <param name="message">What is wrong.</param>
    public SpecError ErrorAt(string path, string message)
    {
        var (line, column) = Locations.TryGetValue(path, out var at) ? at : (0, 0);
        return new SpecError(path, line, column, message);
    }

    /// <summary>
    /// Resolves a path from the spec: absolute paths and paths of a spec without <see cref="BaseDirectory"/> are
    /// returned as they are; relative ones are combined with <see cref="BaseDirectory"/> and normalised.
    /// </summary>
    /// <param name="path">A path as written in the spec.</param>
    public string ResolvePath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return BaseDirectory is null || Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(BaseDirectory, path));
    }

    /// <summary>The parameter written at <paramref name="path"/> (<c>training.learning_rate</c>), or null when absent.</summary>
    /// <param name="path">A YAML path.</param>
    public SweepParameter? FindParameter(string path) => Parameters.FirstOrDefault(p => p.Path == path);

    /// <summary>The domain of a setting: as written, else a <see cref="FixedDomain"/> with the default.</summary>
    internal SearchDomain DomainOf(string section, SettingDef def) =>
        FindParameter(section + "." + def.Key)?.Domain ?? new FixedDomain(def.Default);
}
