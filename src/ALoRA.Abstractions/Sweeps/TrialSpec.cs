namespace ALoRA.Abstractions.Sweeps;

/// <summary>
/// One trial of a sweep: a fully resolved configuration that a trainer runs as it is. Produced by the sweep
/// expander; the engine needs nothing else to train it.
/// </summary>
[GenerateSerializer, Immutable, Alias("alora.TrialSpec")]
public sealed record TrialSpec
{
    /// <summary>Id of the sweep this trial belongs to.</summary>
    [Id(0)]
    public string SweepId { get; init; } = "";

    /// <summary>Trial id: <c>&lt;sweep id&gt;-&lt;config hash&gt;</c>; the key of the trial's experiment grain.</summary>
    [Id(1)]
    public string TrialId { get; init; } = "";

    /// <summary>0-based position of the trial in the sweep's expansion (after duplicates were collapsed).</summary>
    [Id(2)]
    public int Index { get; init; }

    /// <summary>Path of the base model folder (Hugging Face layout: config.json, model.safetensors, tokenizer.json).</summary>
    [Id(3)]
    public string Model { get; init; } = "";

    /// <summary>Path of the data folder holding train.jsonl, validation.jsonl and test.jsonl.</summary>
    [Id(4)]
    public string Data { get; init; } = "";

    /// <summary>Task name (sst2, rte, qnli, boolq, copa, prompt): how examples are formatted and scored.</summary>
    [Id(5)]
    public string Task { get; init; } = "";

    /// <summary>Allocation method; one of <see cref="TrialMethods.All"/>.</summary>
    [Id(6)]
    public string Method { get; init; } = TrialMethods.Alora;

    /// <summary>The LoRA adapter.</summary>
    [Id(7)]
    public LoraSettings Lora { get; init; } = new();

    /// <summary>Optimisation settings, including the seed.</summary>
    [Id(8)]
    public TrainingSettings Training { get; init; } = new();

    /// <summary>The allocation schedule; null for <c>lora</c> trials.</summary>
    [Id(9)]
    public AllocationSettings? Allocation { get; init; }

    /// <summary>
    /// The values this trial drew from the search space, keyed by YAML path (<c>training.learning_rate</c>), formatted
    /// with the invariant culture; for display only.
    /// </summary>
    [Id(10)]
    public Dictionary<string, string> SearchValues { get; init; } = new(StringComparer.Ordinal);

    /// <summary>First 12 hex digits of the SHA-256 of the canonical JSON of the resolved settings.</summary>
    [Id(11)]
    public string ConfigHash { get; init; } = "";

    /// <summary>
    /// The dtype the frozen base model is stored and computed in (<c>model.dtype</c>; one of <see cref="ModelDTypes.All"/>),
    /// or null for the device's default (<see cref="ModelDTypes.DeviceDefault"/>: float32 on CPU, bfloat16 on CUDA),
    /// resolved by the trainer.
    /// </summary>
    [Id(12)]
    public string? DType { get; init; }

    /// <summary>
    /// The sweep's early stopping across trials (the spec's <c>scheduler</c> block), or null when it has none. A sweep-level
    /// setting: not part of <see cref="ConfigHash"/>, so it does not change the trial's id.
    /// </summary>
    [Id(40)]
    public StoppingSettings? Stopping { get; init; }
}
