using System.Collections.Immutable;
using ALoRA.Abstractions.Cluster;
using ALoRA.Abstractions.Trials;

namespace ALoRA.Abstractions.Grains;

/// <summary>
/// The cluster's trial queue and trainer registry (one instance, key <see cref="SchedulerKeys.Default"/>).
/// Trainers pull work: FIFO within a sweep, fair across sweeps, at most a sweep's max_concurrent_trials at once.
/// A trainer whose silo died is removed and its trial requeued.
/// </summary>
public interface ISchedulerGrain : IGrainWithStringKey
{
    /// <summary>Queues trials of a sweep (ids not already queued or running); records the sweep.</summary>
    [SiloOnly]
    Task EnqueueAsync(string sweepId, ImmutableList<string> trialIds, int maxConcurrentTrials);

    /// <summary>Drops the sweep's queued trials; returns the ids of its running trials (their trainers stop them).</summary>
    [SiloOnly]
    Task<ImmutableList<string>> CancelSweepAsync(string sweepId);

    /// <summary>
    /// A silo's trainers announce themselves (at start and periodically); <paramref name="siloAddress"/> identifies the
    /// silo incarnation, <paramref name="deviceMemoryBytes"/> the memory of each trainer's device by trainer key (null, or
    /// a key missing from it: the memory registered before stays).
    /// </summary>
    [SiloOnly]
    Task RegisterTrainersAsync(string siloAddress, ImmutableList<string> trainerKeys, Dictionary<string, long>? deviceMemoryBytes);

    /// <summary>
    /// A silo's trainers announce the base-model dtypes each device computes (probed at start, docs/sweep-spec.md,
    /// <c>model.dtype</c>), by trainer key. Kept in memory only: every heartbeat announces them again.
    /// </summary>
    [SiloOnly]
    Task RegisterDeviceDTypesAsync(Dictionary<string, ImmutableList<string>> dtypesByTrainer);

    /// <summary>
    /// The dtypes each registered trainer computes, by trainer key; trainers that announced none are absent (an empty
    /// result: nothing is known, and no dtype is refused at submit).
    /// </summary>
    Task<Dictionary<string, ImmutableList<string>>> GetDeviceDTypesAsync();

    /// <summary>A free trainer asks for a trial: the trial to run and its trace, or null (it is told when work arrives).</summary>
    [SiloOnly]
    Task<TrialDispatch?> RequestWorkAsync(string trainerKey);

    /// <summary>A trainer is done with a trial; <paramref name="requeue"/> puts it back at the front of its sweep's queue.</summary>
    [SiloOnly]
    Task ReleaseAsync(string trainerKey, string trialId, bool requeue);

    /// <summary>Trainers, queue and sweeps.</summary>
    Task<ClusterStatus> GetClusterStatusAsync();
}
