using System.Text.Json.Serialization;
using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Trials;
using ALoRA.Grains.Storage;

namespace ALoRA.Grains.Sweeps;

/// <summary>The persisted state of <see cref="SweepCoordinatorGrain"/>.</summary>
[GenerateSerializer, Alias("alora.SweepCoordinatorState")]
public sealed class SweepCoordinatorState : IUnreadableStateAware
{
    /// <inheritdoc />
    [JsonIgnore]
    [field: NonSerialized]
    public string? UnreadableReason { get; set; }

    /// <summary>
    /// The spec's YAML text, in records of sweeps submitted before the spec went over the wire parsed
    /// (<see cref="Definition"/>); never written now.
    /// </summary>
    [Id(0)]
    public string? SpecYaml { get; set; }

    /// <summary>The client's folder relative paths resolved against, in records that hold <see cref="SpecYaml"/>; never written now.</summary>
    [Id(1)]
    public string? BaseDirectory { get; set; }

    /// <summary>SHA-256 of the canonical spec; a resubmission must match it.</summary>
    [Id(2)]
    public string SpecHash { get; set; } = "";

    /// <summary>Display name.</summary>
    [Id(3)]
    public string? Name { get; set; }

    /// <summary>Metric that ranks trials.</summary>
    [Id(4)]
    public string Metric { get; set; } = "";

    /// <summary>max or min.</summary>
    [Id(5)]
    public string Mode { get; set; } = "";

    /// <summary>Concurrency limit.</summary>
    [Id(6)]
    public int MaxConcurrentTrials { get; set; }

    /// <summary>Trial ids in sweep order.</summary>
    [Id(7)]
    public List<string> TrialIds { get; set; } = [];

    /// <summary>First submission.</summary>
    [Id(8)]
    public DateTimeOffset SubmittedAt { get; set; }

    /// <summary>True once cancelled (until resubmitted).</summary>
    [Id(9)]
    public bool Cancelled { get; set; }

    /// <summary>Duplicate configurations collapsed at expansion.</summary>
    [Id(10)]
    public int Duplicates { get; set; }

    /// <summary>The spec as received (the client's parse, re-checked here); null in records that hold <see cref="SpecYaml"/>.</summary>
    [Id(11)]
    public SweepDefinition? Definition { get; set; }

    /// <summary>The folder relative <c>model</c> and <c>data</c> paths resolved against on the coordinator's silo (<c>Alora:DataRoot</c>).</summary>
    [Id(12)]
    public string? DataRoot { get; set; }

    /// <summary>Whether a sweep was submitted (either kind of record).</summary>
    [JsonIgnore]
    public bool IsSubmitted => Definition is not null || SpecYaml is not null;
    /// <summary>
    /// The view: each trial's last status (key: trial id) from its initialisation and the state changes its experiment
    /// published, newer ones only (<see cref="TrialStatus.Supersedes"/>). Written with each state
    /// change; progress is folded into it in memory and written with the next state change.
    /// </summary>
    [Id(20)]
    public Dictionary<string, TrialStatus> Trials { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// True from a submission until all its trials are created and queued (SweepCoordinatorGrain.Creation.cs); an
    /// activation that finds it set continues the creation.
    /// </summary>
    [Id(21)]
    public bool Creating { get; set; }

    /// <summary>While <see cref="Creating"/>: the trials (in sweep order) created and handed to the scheduler so far.</summary>
    [Id(22)]
    public int Created { get; set; }
}
