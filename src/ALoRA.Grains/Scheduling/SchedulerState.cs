using System.Text.Json.Serialization;
using ALoRA.Abstractions.Sweeps;
using ALoRA.Grains.Storage;

namespace ALoRA.Grains.Scheduling;

/// <summary>The persisted state of <see cref="SchedulerGrain"/>: queue, trainers and known sweeps.</summary>
[GenerateSerializer, Alias("alora.SchedulerState")]
public sealed class SchedulerState : IUnreadableStateAware
{
    /// <inheritdoc />
    [JsonIgnore]
    [field: NonSerialized]
    public string? UnreadableReason { get; set; }

    /// <summary>The trial queue (queued and running trials per sweep).</summary>
    [Id(0)]
    public TrialQueueSnapshot Queue { get; set; } = new();

    /// <summary>Registered trainers by key.</summary>
    [Id(1)]
    public Dictionary<string, TrainerRecord> Trainers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Every sweep ever queued, oldest first.</summary>
    [Id(2)]
    public List<string> Sweeps { get; set; } = [];

    /// <summary>
    /// W3C trace parent of each queued or running trial (the span that queued it), so its dispatches join its trace;
    /// dropped when the trial finishes or its sweep is cancelled.
    /// </summary>
    [Id(3)]
    public Dictionary<string, string> TraceParents { get; set; } = new(StringComparer.Ordinal);
}
