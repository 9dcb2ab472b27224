using System.Collections.Immutable;
using ALoRA.Abstractions.Sweeps;
using ALoRA.Abstractions.Trials;
using Orleans.Concurrency;

namespace ALoRA.Abstractions.Grains;

/// <summary>
/// One trial (key: the trial id): its persisted state machine (queued, running, completed, failed, cancelled),
/// attempts and their fencing, retry budgets, progress and allocation history, and result.
/// </summary>
public interface IExperimentGrain : IGrainWithStringKey
{
    /// <summary>Stores the trial's spec (idempotent); a new trial starts queued.</summary>
    [SiloOnly]
    Task<TrialStatus> InitializeAsync(TrialSpec spec);

    /// <summary>
    /// A trainer takes the trial: a new attempt (the fencing token for its reports) and the spec, or null when the
    /// trial is final and must not run. <paramref name="trainer"/> identifies the trainer incarnation: <c>key@silo address</c>.
    /// Asked again by the trainer that runs the current attempt (a retried call, or a trainer activation taking over
    /// its predecessor's job), it returns that attempt instead of opening a new one.
    /// </summary>
    [SiloOnly]
    Task<TrialAssignment?> BeginAttemptAsync(string trainer);

    /// <summary>
    /// Progress of attempt <paramref name="attempt"/>, numbered by <see cref="TrialProgress.Sequence"/>: events already
    /// applied are skipped (a repeated report is harmless); when earlier events are missing, nothing from the gap on is
    /// applied and the receipt asks for them again. Not <see cref="ProgressReceipt.Accepted"/> when the attempt is no
    /// longer current or <paramref name="lease"/> is not its lease (<see cref="TrialAssignment.Lease"/>; the trainer must stop).
    /// </summary>
    [SiloOnly]
    Task<ProgressReceipt> ReportProgressAsync(int attempt, string lease, ImmutableList<TrialProgress> events);

    /// <summary>
    /// Attempt <paramref name="attempt"/>, holding <paramref name="lease"/>, finished with <paramref name="result"/>; false
    /// when it is stale or the lease is wrong (the result is dropped).
    /// </summary>
    [SiloOnly]
    Task<bool> CompleteAsync(int attempt, string lease, TrialResult result);

    /// <summary>
    /// Attempt <paramref name="attempt"/>, holding <paramref name="lease"/>, failed with <paramref name="reason"/>; how it
    /// is retried depends on <paramref name="kind"/> (<see cref="AttemptFailure"/>). Returns true when the trial should be
    /// queued again; false too when the lease is wrong.
    /// </summary>
    [SiloOnly]
    Task<bool> FailAsync(int attempt, string lease, string reason, AttemptFailure kind);

    /// <summary>
    /// The scheduler saw <paramref name="trainer"/> (<c>key@silo address</c>, as given to <see cref="BeginAttemptAsync"/>)
    /// vanish; if it runs the current attempt, the trial goes back to the queue (an infrastructure retry), or fails when
    /// its attempts lost more than <c>Alora:MaxInfrastructureRetries</c> trainers.
    /// </summary>
    [OneWay]
    [SiloOnly]
    Task OnTrainerLostAsync(string trainer, string reason);

    /// <summary>
    /// Cancels the trial (a running attempt is told to stop); finished trials are left as they are. Returns the trial's
    /// status afterwards, so the caller's view need not wait for the published state change.
    /// </summary>
    [SiloOnly]
    Task<TrialStatus> CancelAsync();

    /// <summary>Status snapshot.</summary>
    Task<TrialStatus> GetStatusAsync();

    /// <summary>Spec, status, allocation history and loss curve.</summary>
    Task<TrialDetails> GetDetailsAsync();
}
