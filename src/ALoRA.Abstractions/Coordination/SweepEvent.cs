using ALoRA.Abstractions.Trials;

namespace ALoRA.Abstractions.Coordination;

/// <summary>One numbered event of a sweep's progress feed (trial progress or a state change).</summary>
[GenerateSerializer, Immutable, Alias("alora.SweepEvent")]
public sealed record SweepEvent
{
    /// <summary>Position in the sweep's feed (increasing, with gaps between activations); a watcher asks for events after the last one it saw.</summary>
    [Id(0)]
    public long Sequence { get; init; }

    /// <summary>Progress, when the event is one.</summary>
    [Id(1)]
    public TrialProgress? Progress { get; init; }

    /// <summary>The trial's status after a state change, when the event is one.</summary>
    [Id(2)]
    public TrialStatus? StateChange { get; init; }
}
