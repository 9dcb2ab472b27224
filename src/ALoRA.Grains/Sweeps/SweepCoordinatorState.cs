using System.Text.Json.Serialization;
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

    /// <summary>The spec as submitted.</summary>
    [Id(0)]
    public string? SpecYaml { get; set; }

    /// <summary>Folder relative paths resolved against.</summary>
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

    /// <summary>
    /// The view: each trial's last status (key: trial id) from its initialisation and the state changes its experiment
    /// published, newer ones only (<see cref="TrialStatus.Supersedes"/>). Written with each state
    /// change; progress is folded into it in memory and written with the next state change.
    /// </summary>
    [Id(20)]
    public Dictionary<string, TrialStatus> Trials { get; set; } = new(StringComparer.Ordinal);
}
