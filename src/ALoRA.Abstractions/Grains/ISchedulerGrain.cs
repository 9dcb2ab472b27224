using System.Collections.Immutable;
using ALoRA.Abstractions.Cluster;
using ALoRA.Abstractions.Trials;

namespace ALoRA.Abstractions.Grains;

/// <summary>
/// The cluster's trial queue and trainer registry (one instance, key <see cref="SchedulerKeys.Default"/>).
/// Trainers pull work: FIFO within a sweep, fair across sweeps, at most a sweep's max_concurrent_trials at once.
/// A device has slots (one trainer each) and admits a trial only when its estimated memory fits what the device has
/// free. A device whose silo died is removed and its trials requeued.
/// </summary>
public interface ISchedulerGrain : IGrainWithStringKey
{
    /// <summary>
    /// Queues trials of a sweep (ids not already queued or running); records the sweep. <paramref name="estimatedBytes"/>
    /// gives each trial's estimated memory (docs/sweep-spec.md, "Limits"), which a device must have free to take it; a
    /// trial without one runs only on a device with no other trial. <paramref name="dtype"/> is the sweep's
    /// <c>model.dtype</c> (null: each device's default): its trials go only to devices that registered it among the dtypes
    /// they compute (or registered none).
    /// </summary>
    [SiloOnly]
    Task EnqueueAsync(string sweepId, ImmutableList<string> trialIds, int maxConcurrentTrials, Dictionary<string, long>? estimatedBytes, string? dtype);

    /// <summary>Drops the sweep's queued trials; returns the ids of its running trials (their trainers stop them).</summary>
    [SiloOnly]
    Task<ImmutableList<string>> CancelSweepAsync(string sweepId);

    /// <summary>
    /// A silo registers its devices (at start and every heartbeat): each device's slots, memory and dtypes in one call;
    /// <paramref name="siloAddress"/> identifies the silo incarnation (a new one means what the old one ran is lost).
    /// </summary>
    [SiloOnly]
    Task RegisterTrainersAsync(string siloAddress, ImmutableList<DeviceRegistration> devices);

    /// <summary>
    /// The dtypes each registered device computes, by device key; devices that announced none are absent (an empty
    /// result: nothing is known, and no dtype is refused at submit).
    /// </summary>
    Task<Dictionary<string, ImmutableList<string>>> GetDeviceDTypesAsync();

    /// <summary>
    /// A free slot (its trainer key) asks for its next assignment: the trial to run and its trace, or null (it is told
    /// when work arrives). The trial is one whose estimated memory fits what the slot's device has free.
    /// </summary>
    [SiloOnly]
    Task<TrialDispatch?> NextAssignmentAsync(string trainerKey);

    /// <summary>
    /// A trial's experiment says its attempt on <paramref name="trainer"/> (<c>key@silo address</c>) ended: the slot is
    /// free again, and <paramref name="requeue"/> puts the trial back at the back of its sweep's queue (otherwise it is
    /// finished). Safe to repeat; ignored when the trial runs on another trainer by now.
    /// </summary>
    [SiloOnly]
    Task AttemptEndedAsync(string trialId, string trainer, bool requeue);

    /// <summary>Trainers, queue and sweeps.</summary>
    Task<ClusterStatus> GetClusterStatusAsync();
}
