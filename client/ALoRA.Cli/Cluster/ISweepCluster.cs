using ALoRA.Abstractions.Cluster;
using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Trials;

namespace ALoRA.Cli.Cluster;

/// <summary>
/// What the commands need from a cluster, and nothing about how it is reached: the real one is
/// <see cref="OrleansSweepCluster"/> (every grain call of the CLI is there); tests use an in-memory fake. A call that
/// loses the connection throws <see cref="ClusterConnectionLostException"/>.
/// </summary>
internal interface ISweepCluster : IAsyncDisposable
{
    /// <summary>What it is connected to, for messages (e.g. <c>gateway localhost:30000</c>).</summary>
    string Description { get; }

    /// <summary>Submits a parsed sweep spec; the silos resolve and check the files it names.</summary>
    Task<SweepSubmitted> SubmitAsync(string sweepId, SweepDefinition definition, CancellationToken cancellationToken);

    /// <summary>A sweep's status with every trial.</summary>
    Task<SweepStatus> GetSweepAsync(string sweepId, CancellationToken cancellationToken);

    /// <summary>
    /// A sweep's progress feed after <paramref name="afterSequence"/> as a stream of pages: new events as they arrive, an
    /// empty page every few seconds while nothing happens, a gap flag when events were lost (take a status snapshot); it
    /// ends when the sweep is over. A stream that breaks while the connection stays throws
    /// <see cref="FeedInterruptedException"/>.
    /// </summary>
    IAsyncEnumerable<SweepEvents> WatchAsync(string sweepId, long afterSequence, CancellationToken cancellationToken);

    /// <summary>Cancels a sweep (finished results are kept).</summary>
    Task CancelAsync(string sweepId, CancellationToken cancellationToken);

    /// <summary>A trial's configuration, status and history (an empty <see cref="TrialDetails.Spec"/> sweep id: no such trial).</summary>
    Task<TrialDetails> GetTrialAsync(string trialId, CancellationToken cancellationToken);

    /// <summary>The trainers, what they run, the queue and the sweeps.</summary>
    Task<ClusterStatus> GetClusterAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Fetches a finished trial's adapter files (PEFT layout) from the cluster's checkpoint store through a silo into
    /// <paramref name="targetDirectory"/>, checking each file's size and SHA-256; returns the trial's details.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No such trial.</exception>
    /// <exception cref="ArgumentException">The trial has no adapter yet.</exception>
    Task<TrialDetails> ExportAdapterAsync(string trialId, string targetDirectory, CancellationToken cancellationToken);
}
