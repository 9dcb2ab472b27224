using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Trials;
using ALoRA.Cli.Cluster;
using ALoRA.Cli.Connection;
using ALoRA.Cli.Output;

namespace ALoRA.Cli.Watching;

/// <summary>
/// Follows a sweep until it ends: opens the coordinator's feed stream (<see cref="ISweepCluster.WatchAsync"/>) from the
/// last event seen, takes a status snapshot first and whenever the stream reports a gap, and folds the state changes it
/// receives into that snapshot for the live view; the stream ends when the sweep does, and the final status is read
/// once. A stream that breaks (the coordinator moved) is reopened from the last event seen; a lost connection (a silo
/// restarting, or no page, not even the keep-alive, for <see cref="IdleTimeout"/>) is reopened with backoff and the
/// watch continues where it was. Table mode draws the live view; JSON mode prints one JSON object per event on stdout
/// and the final status last.
/// </summary>
/// <param name="sweepId">The sweep.</param>
/// <param name="format">Table (the live view) or JSON (one event per line).</param>
/// <param name="console">Where it goes.</param>
internal sealed class SweepWatcher(string sweepId, OutputFormat format, CliConsole console)
{
    // The coordinator sends a page at least every few seconds; a silo that is shutting down may never answer, and a
    // bounded wait turns that into a reconnect.
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RedrawEvery = TimeSpan.FromMilliseconds(250);

    private readonly LiveView _view = new(
        format == OutputFormat.Json || !console.Terminal ? null : console.Out,
        sweepId,
        console.Log(format));
    private long _last;
    private SweepStatus? _status;
    private DateTime _drawn = DateTime.MinValue;

    /// <summary>Watches through <paramref name="cluster"/> (reopened by <paramref name="connector"/> from <paramref name="settings"/> when it drops); returns the final status.</summary>
    public Task<SweepStatus> WatchAsync(ISweepCluster cluster, ConnectionSettings settings, IClusterConnector connector, CancellationToken cancellationToken) =>
        _view.RunAsync(() => FollowAsync(cluster, settings, connector, cancellationToken));

    private async Task<SweepStatus> FollowAsync(ISweepCluster session, ConnectionSettings settings, IClusterConnector connector, CancellationToken cancellationToken)
    {
        var owned = (ISweepCluster?)null;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    await ReadStreamAsync(session, cancellationToken);
                    var final = await session.GetSweepAsync(sweepId, cancellationToken).WaitAsync(IdleTimeout, cancellationToken);
                    _view.Finish(final);
                    return final;
                }
                catch (FeedInterruptedException ex) when (!cancellationToken.IsCancellationRequested)
                {
                    // The coordinator went away (deactivated or moved) while the connection stayed: reopen from the last event.
                    _view.Note($"{ex.Message}; resuming");
                    await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
                }
                catch (Exception ex) when (!settings.Local && !cancellationToken.IsCancellationRequested && ex is ClusterConnectionLostException or TimeoutException)
                {
                    _view.Note($"connection lost ({(ex.InnerException ?? ex).GetType().Name}); reconnecting to {settings.Gateway}");
                    if (owned is not null)
                    {
                        await owned.DisposeAsync();
                    }

                    owned = await connector.ConnectAsync(settings, cancellationToken);
                    session = owned;
                    _view.Note("reconnected; continuing");
                }
            }
        }
        finally
        {
            if (owned is not null)
            {
                await owned.DisposeAsync();
            }
        }
    }

    /// <summary>Reads the stream until it ends (the sweep is over).</summary>
    private async Task ReadStreamAsync(ISweepCluster session, CancellationToken cancellationToken)
    {
        var pages = session.WatchAsync(sweepId, _last, cancellationToken).GetAsyncEnumerator(cancellationToken);
        var clean = false;
        try
        {
            while (await pages.MoveNextAsync().AsTask().WaitAsync(IdleTimeout, cancellationToken))
            {
                var page = pages.Current;
                if (page.Gap || _status is null)
                {
                    // Events were dropped (or this is the start): the snapshot stands in for them.
                    _status = await session.GetSweepAsync(sweepId, cancellationToken).WaitAsync(IdleTimeout, cancellationToken);
                    _view.Update(_status);
                    _drawn = DateTime.UtcNow;
                }

                var changed = false;
                foreach (var e in page.Events)
                {
                    Emit(e);
                    if (e.StateChange is { } s)
                    {
                        _status = Fold(_status, s);
                        changed = true;
                    }
                }

                _last = page.LastSequence;
                if (page.Events.Count > 0 && (changed || DateTime.UtcNow - _drawn > RedrawEvery))
                {
                    _view.Update(_status);
                    _drawn = DateTime.UtcNow;
                }
            }

            clean = true;
        }
        finally
        {
            if (clean)
            {
                await pages.DisposeAsync();
            }
            else
            {
                // A read may still be pending (a timeout) and the coordinator may be gone: do not wait for the disposal.
                _ = Task.Run(async () => await pages.DisposeAsync());
            }
        }
    }

    private static SweepStatus Fold(SweepStatus status, TrialStatus change) => status with
    {
        Trials = [.. status.Trials.Select(t => t.TrialId == change.TrialId && change.Supersedes(t) ? change : t)],
    };

    private void Emit(SweepEvent e)
    {
        if (format == OutputFormat.Json)
        {
            console.JsonLine(e);
            return;
        }

        _view.Apply(e);
    }
}
