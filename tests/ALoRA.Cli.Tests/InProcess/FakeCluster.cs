using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using ALoRA.Abstractions.Cluster;
using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Trials;
using ALoRA.Cli.Cluster;

namespace ALoRA.Cli.Tests.InProcess;

/// <summary>
/// An in-memory cluster for the in-process command tests: sweeps whose status moves through a script (each status
/// read returns the next snapshot, the last one repeats), a feed of events, trials' details, and calls recorded.
/// </summary>
internal sealed class FakeCluster : ISweepCluster
{
    private readonly ConcurrentDictionary<string, int> _reads = new(StringComparer.Ordinal);

    /// <summary>Status snapshots per sweep, in the order reads return them.</summary>
    public Dictionary<string, List<SweepStatus>> Sweeps { get; } = new(StringComparer.Ordinal);

    /// <summary>The feed per sweep.</summary>
    public Dictionary<string, List<SweepEvent>> Events { get; } = new(StringComparer.Ordinal);

    /// <summary>Trials' details.</summary>
    public Dictionary<string, TrialDetails> Trials { get; } = new(StringComparer.Ordinal);

    /// <summary>What <see cref="GetClusterAsync"/> answers.</summary>
    public ClusterStatus Cluster { get; set; } = new();

    /// <summary>Sweeps whose status read throws <see cref="KeyNotFoundException"/> (their record is gone).</summary>
    public HashSet<string> Missing { get; } = new(StringComparer.Ordinal);

    /// <summary>Feed streams that fail with a lost connection before one opens.</summary>
    public int LoseConnectionOnFeedOpens { get; set; }

    /// <summary>What submissions throw, if anything.</summary>
    public Exception? SubmitFailure { get; set; }

    /// <summary>Submissions received: sweep id and the parsed spec.</summary>
    public ConcurrentQueue<(string SweepId, SweepDefinition Definition)> Submitted { get; } = new();

    /// <summary>Sweeps cancelled.</summary>
    public ConcurrentQueue<string> Cancelled { get; } = new();

    /// <summary>Whether it was disposed.</summary>
    public bool Disposed { get; private set; }

    /// <inheritdoc />
    public string Description => "fake cluster";

    /// <summary>Adds a sweep with its status script.</summary>
    public FakeCluster With(params SweepStatus[] script)
    {
        Sweeps[script[0].SweepId] = [.. script];
        return this;
    }

    /// <inheritdoc />
    public Task<SweepSubmitted> SubmitAsync(string sweepId, SweepDefinition definition, CancellationToken cancellationToken)
    {
        if (SubmitFailure is { } failure)
        {
            return Task.FromException<SweepSubmitted>(failure);
        }

        Submitted.Enqueue((sweepId, definition));
        var trials = Sweeps.TryGetValue(sweepId, out var s) ? s[0].Trials.Count : 0;
        return Task.FromResult(new SweepSubmitted { SweepId = sweepId, Trials = trials, Duplicates = 1 });
    }

    /// <inheritdoc />
    public Task<SweepStatus> GetSweepAsync(string sweepId, CancellationToken cancellationToken)
    {
        if (Missing.Contains(sweepId))
        {
            throw new KeyNotFoundException($"no sweep '{sweepId}'");
        }

        if (!Sweeps.TryGetValue(sweepId, out var script))
        {
            return Task.FromResult(new SweepStatus { SweepId = sweepId, Error = "no such sweep" });
        }

        var read = _reads.AddOrUpdate(sweepId, 0, (_, n) => n + 1);
        return Task.FromResult(script[Math.Min(read, script.Count - 1)]);
    }

    /// <inheritdoc />
    /// <remarks>The fake's sweeps are over: the stream is one page with the events after the number, then ends.</remarks>
    public async IAsyncEnumerable<SweepEvents> WatchAsync(string sweepId, long afterSequence, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (LoseConnectionOnFeedOpens > 0)
        {
            LoseConnectionOnFeedOpens--;
            throw new ClusterConnectionLostException("connection lost (fake)");
        }

        await Task.Yield();
        var events = Events.GetValueOrDefault(sweepId, []).Where(e => e.Sequence > afterSequence).ToImmutableList();
        yield return new SweepEvents { Events = events, LastSequence = events.Count > 0 ? events[^1].Sequence : afterSequence };
    }

    /// <inheritdoc />
    public Task CancelAsync(string sweepId, CancellationToken cancellationToken)
    {
        Cancelled.Enqueue(sweepId);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<TrialDetails> GetTrialAsync(string trialId, CancellationToken cancellationToken) =>
        Task.FromResult(Trials.GetValueOrDefault(trialId) ?? new TrialDetails());

    /// <inheritdoc />
    public Task<ClusterStatus> GetClusterAsync(CancellationToken cancellationToken) => Task.FromResult(Cluster);

    /// <inheritdoc />
    public Task<TrialDetails> ExportAdapterAsync(string trialId, string targetDirectory, CancellationToken cancellationToken) =>
        throw new NotSupportedException("not used by these tests");

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }
}
