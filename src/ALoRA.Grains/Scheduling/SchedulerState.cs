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

    /// <summary>Registered devices by key (<c>&lt;silo&gt;/&lt;device&gt;</c>), with their slots.</summary>
    [Id(1)]
    public Dictionary<string, TrainerRecord> Trainers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Every sweep ever queued, oldest first.</summary>
    [Id(2)]
    public List<string> Sweeps { get; set; } = [];

    /// <summary>
    /// The trace of each queued or running trial, by trial id: before its first dispatch <c>queued-by:</c> and the W3C id
    /// of the span that queued it (the first dispatch starts the trial's own trace, linked to that span), afterwards the
    /// W3C id of the trial's root span, which its later dispatches and requeues join. Dropped when the trial finishes or
    /// its sweep is cancelled.
    /// </summary>
    [Id(3)]
    public Dictionary<string, string> TraceParents { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// When and why the sweep list and queue were last rebuilt from the sweeps' records (this record was missing or
    /// unreadable, and where the unreadable one was kept); null when they never were.
    /// </summary>
    [Id(4)]
    public string? Rebuilt { get; set; }

    /// <summary>
    /// The estimated memory of each queued or running trial that has one, by trial id (given when its sweep queued it):
    /// what a device must have free to take it. Dropped when the trial finishes or its sweep is cancelled.
    /// </summary>
    [Id(50)]
    public Dictionary<string, long> TrialBytes { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The <c>model.dtype</c> of each sweep that sets one, by sweep id (given when the sweep queued its trials): a slot
    /// takes the sweep's trials only if its device computes it. Dropped when the sweep is cancelled.
    /// </summary>
    [Id(51)]
    public Dictionary<string, string> SweepDTypes { get; set; } = new(StringComparer.Ordinal);
}
