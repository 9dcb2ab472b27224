using System.Text.Json.Serialization;
using ALoRA.Abstractions.Sweeps;
using ALoRA.Abstractions.Trials;
using ALoRA.Grains.Storage;

namespace ALoRA.Grains.Experiments;

/// <summary>The persisted state of one trial (<see cref="ExperimentGrain"/>).</summary>
[GenerateSerializer, Alias("alora.ExperimentState")]
public sealed class ExperimentState : IUnreadableStateAware
{
    /// <inheritdoc />
    [JsonIgnore]
    [field: NonSerialized]
    public string? UnreadableReason { get; set; }

    /// <summary>The trial's configuration.</summary>
    [Id(0)]
    public TrialSpec? Spec { get; set; }

    /// <summary>State.</summary>
    [Id(1)]
    public TrialState State { get; set; }

    /// <summary>Current attempt (fencing token); 0 before the first.</summary>
    [Id(2)]
    public int Attempt { get; set; }

    /// <summary>Trainer identity (<c>key@silo address</c>) of the current attempt.</summary>
    [Id(3)]
    public string? Trainer { get; set; }

    /// <summary>Attempts lost to infrastructure.</summary>
    [Id(4)]
    public int InfrastructureRetries { get; set; }

    /// <summary>Attempts whose training failed.</summary>
    [Id(5)]
    public int TrialFailures { get; set; }

    /// <summary>Training loss per step (index = step - 1).</summary>
    [Id(6)]
    public List<double> StepLosses { get; set; } = [];

    /// <summary>Dev evaluations.</summary>
    [Id(7)]
    public List<TrialProgress> Evaluations { get; set; } = [];

    /// <summary>Allocation rounds.</summary>
    [Id(8)]
    public List<AllocationRoundSummary> Rounds { get; set; } = [];

    /// <summary>The result once completed.</summary>
    [Id(9)]
    public TrialResult? Result { get; set; }

    /// <summary>The last failure.</summary>
    [Id(10)]
    public string? Error { get; set; }

    /// <summary>One line per attempt.</summary>
    [Id(11)]
    public List<string> Attempts { get; set; } = [];

    /// <summary>Steps planned.</summary>
    [Id(12)]
    public int TotalSteps { get; set; }

    /// <summary>Last dev loss.</summary>
    [Id(13)]
    public double? DevLoss { get; set; }

    /// <summary>W3C traceparent of the trial's trace.</summary>
    [Id(14)]
    public string? TraceParent { get; set; }

    /// <summary>Last state change.</summary>
    [Id(15)]
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>
    /// <see cref="TrialProgress.Sequence"/> of the last event of the current attempt applied to this state (0: none yet);
    /// a stored state holds every event up to it.
    /// </summary>
    [Id(16)]
    public long ReportedSequence { get; set; }

    /// <summary>State changes so far (<see cref="TrialStatus.Version"/>): the sweep's coordinator keeps the newest status it was sent.</summary>
    [Id(17)]
    public long Version { get; set; }

    /// <summary>
    /// The attempts of the current run that lost their trainer (<c>attempt N on trainer: reason</c>), drained hand-backs
    /// not included; more than <see cref="Hosting.AloraClusterOptions.MaxInfrastructureRetries"/> fail the trial. A
    /// resubmission that runs the trial again empties it.
    /// </summary>
    [Id(18)]
    public List<string> LostAttempts { get; set; } = [];

    /// <summary>
    /// The running attempt's lease (<see cref="TrialAssignment.Lease"/>); null in states stored before leases existed (the
    /// next <c>BeginAttemptAsync</c> draws one).
    /// </summary>
    [Id(20)]
    public string? Lease { get; set; }

    /// <summary>
    /// The trainer of the latest attempt (<c>key@silo address</c>), kept after the attempt ended: a repeated report of that
    /// end tells the scheduler again which slot to free. Null before the first attempt.
    /// </summary>
    [Id(50)]
    public string? LastTrainer { get; set; }
}
