using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Trials;
using Orleans.Concurrency;

namespace ALoRA.Abstractions.Grains;

/// <summary>
/// One sweep (key: the sweep id). Accepts its spec, expands and persists the trials, hands them to the scheduler,
/// keeps every trial's last status from what its experiment publishes (a stored view that status is answered from),
/// cancels, and streams the progress feed to watchers.
/// </summary>
public interface ISweepCoordinatorGrain : IGrainWithStringKey
{
    /// <summary>
    /// Re-checks <paramref name="definition"/> (the client's parse of the spec; nothing in it is trusted), resolves its
    /// <c>model</c> and <c>data</c> paths on this silo (relative ones against <c>Alora:DataRoot</c>) and checks their
    /// files, expands it and queues its trials. Nothing is stored when the spec is invalid. Submitting the same sweep
    /// again reuses its finished trials and requeues nothing that is still queued or running. The trials are created in
    /// batches; the call answers about 15 s after it arrived at the latest (<see cref="SweepSubmitted.Creating"/>: the
    /// rest are created in the background, and a repeated submit joins them). Its timeout is 2 minutes, not the
    /// default 30 s, because checking and expanding a spec of 100,000 trials can take longer than that on a loaded silo.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The spec is invalid or names files this silo cannot find (every error, with its YAML path and line), or its id is
    /// not this grain's key.
    /// </exception>
    [ResponseTimeout("00:02:00")]
    Task<SweepSubmitted> SubmitAsync(SweepDefinition definition);

    /// <summary>
    /// The sweep and every trial's status, from the coordinator's view (one call; the experiments are asked only once
    /// after the coordinator activates, and for a trial that is not final and was not heard from in a while).
    /// </summary>
    Task<SweepStatus> GetStatusAsync();

    /// <summary>
    /// The progress feed as a stream of pages: first the events after <paramref name="afterSequence"/> (0: from the
    /// oldest kept), then each new batch as it arrives, an empty page every few seconds while nothing happens (so a
    /// watcher can tell a quiet sweep from a lost connection), and the end of the stream once the sweep is no longer
    /// running and every event it received was sent. <see cref="SweepEvents.Gap"/> says events the watcher had not
    /// seen were dropped (the coordinator moved, so its feed restarted with higher numbers, or the watcher fell behind
    /// the feed's capacity): take a status snapshot. A watcher whose stream breaks reopens it from the last
    /// <see cref="SweepEvents.LastSequence"/> it saw.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No such sweep (raised by the first page).</exception>
    IAsyncEnumerable<SweepEvents> WatchAsync(long afterSequence, CancellationToken cancellationToken = default);

    /// <summary>Stops running trials, drops queued ones; finished results are kept.</summary>
    Task CancelAsync();

    /// <summary>
    /// For the scheduler rebuilding its queue after its own record was lost or unreadable: the trials that are neither
    /// final nor unreadable (queued, or running on a trainer the scheduler no longer knows), in sweep order, as their
    /// experiments report them (the coordinator asks them after it activates). None for a cancelled, unreadable or
    /// unknown sweep; trials not created yet are queued by the creation itself.
    /// </summary>
    Task<UnfinishedTrials> GetUnfinishedAsync();

    /// <summary>
    /// Appends a trial's progress events (in order), then its state change if any, to the feed, and takes its status
    /// into the view unless the view already holds a newer one (<see cref="TrialStatus.Supersedes"/>). A state change
    /// is stored before the call returns (its answer is the acknowledgement); progress is kept in memory. Experiments
    /// send one call per report, each after the previous one returned, so the feed keeps their order; it interleaves
    /// with the coordinator's own calls to experiments, so the two can never wait on each other.
    /// </summary>
    [AlwaysInterleave]
    [SiloOnly]
    Task PublishAsync(TrialUpdate update);
}
