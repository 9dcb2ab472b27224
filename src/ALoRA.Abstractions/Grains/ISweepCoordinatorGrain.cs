using System.Collections.Immutable;
using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Trials;
using Orleans.Concurrency;

namespace ALoRA.Abstractions.Grains;

/// <summary>
/// One sweep (key: the sweep id). Accepts its spec, expands and persists the trials, hands them to the scheduler,
/// aggregates their status and results, cancels, and keeps the progress feed that watchers read.
/// </summary>
public interface ISweepCoordinatorGrain : IGrainWithStringKey
{
    /// <summary>
    /// Re-checks <paramref name="definition"/> (the client's parse of the spec; nothing in it is trusted), resolves its
    /// <c>model</c> and <c>data</c> paths on this silo (relative ones against <c>Alora:DataRoot</c>) and checks their
    /// files, expands it and queues its trials. Nothing is stored when the spec is invalid. Submitting the same sweep
    /// again reuses its finished trials and requeues nothing that is still queued or running.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The spec is invalid or names files this silo cannot find (every error, with its YAML path and line), or its id is
    /// not this grain's key.
    /// </exception>
    Task<SweepSubmitted> SubmitAsync(SweepDefinition definition);

    /// <summary>The sweep and every trial's status.</summary>
    Task<SweepStatus> GetStatusAsync();

    /// <summary>Progress feed events after <paramref name="afterSequence"/> (0: from the oldest kept).</summary>
    Task<SweepEvents> GetEventsAsync(long afterSequence);

    /// <summary>Stops running trials, drops queued ones; finished results are kept.</summary>
    Task CancelAsync();

    /// <summary>
    /// Appends a trial's progress events (in order), then its state change if any, to the feed. Experiments send one
    /// call per report, each after the previous one returned, so the feed keeps their order; it interleaves with the
    /// coordinator's own calls to experiments, so the two can never wait on each other.
    /// </summary>
    [AlwaysInterleave]
    Task PublishAsync(ImmutableList<TrialProgress> progress, TrialStatus? stateChange);
}
