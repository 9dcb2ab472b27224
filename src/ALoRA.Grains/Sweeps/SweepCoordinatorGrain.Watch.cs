using System.Runtime.CompilerServices;
using ALoRA.Abstractions.Coordination;

namespace ALoRA.Grains.Sweeps;

/// <summary>
/// The feed streamed to watchers (<c>alora watch</c>): an Orleans response stream (a grain method returning
/// <see cref="IAsyncEnumerable{T}"/>; the caller long-polls batches of pages, and the stream breaks when this activation
/// goes away, so the watcher reopens it from its last number and is told about the gap).
/// </summary>
public sealed partial class SweepCoordinatorGrain
{
    /// <summary>While nothing happens, an empty page is sent this often, so a watcher can tell a lost connection from a quiet sweep.</summary>
    internal static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(3);

    private const int PageSize = 500;

    /// <inheritdoc />
    public async IAsyncEnumerable<SweepEvents> WatchAsync(long afterSequence, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (S.UnreadableReason is null)
        {
            EnsureExists();
            await RepairOnceAsync();
        }

        var last = afterSequence;
        var first = true;
        while (true)
        {
            // One turn of the grain's scheduler: every event received so far is in the feed, so once the sweep is over
            // and the page holds the rest of the feed, the watcher has seen everything.
            var added = _feed.Added;
            var page = _feed.After(last, PageSize);
            var more = page.Events.Count == PageSize;
            var over = !more && CurrentState() is not (SweepState.Running or SweepState.Creating);
            if (first || page.Events.Count > 0 || page.Gap)
            {
                yield return page;
                first = false;
            }

            last = page.LastSequence;
            if (over)
            {
                yield break;
            }

            if (more)
            {
                continue;
            }

            await added.WaitAsync(KeepAlive, cancellationToken)
                .ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext | ConfigureAwaitOptions.SuppressThrowing);
            cancellationToken.ThrowIfCancellationRequested();
            if (!added.IsCompleted)
            {
                yield return new SweepEvents { LastSequence = last };
            }
        }
    }
}
