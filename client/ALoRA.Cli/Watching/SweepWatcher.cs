using ALoRA.Abstractions.Coordination;
using ALoRA.Cli.Cluster;
using ALoRA.Cli.Connection;
using ALoRA.Cli.Output;

namespace ALoRA.Cli.Watching;

/// <summary>
/// Follows a sweep until it ends: reads its progress feed from the last event seen, and its status snapshot when the
/// feed has a gap (the coordinator moved) or every second. A lost connection (a silo restarting) is reopened with
/// backoff and the watch continues where it was. Table mode draws the live view; JSON mode prints one JSON object
/// per event on stdout and the final status last.
/// </summary>
/// <param name="sweepId">The sweep.</param>
/// <param name="format">Table (the live view) or JSON (one event per line).</param>
/// <param name="console">Where it goes.</param>
internal sealed class SweepWatcher(string sweepId, OutputFormat format, CliConsole console)
{
    private readonly LiveView _view = new(
        format == OutputFormat.Json || !console.Terminal ? null : console.Out,
        sweepId,
        console.Log(format));
    // A silo that is shutting down may never answer an in-flight call; a bounded poll turns that into a reconnect.
    private static readonly TimeSpan PollTimeout = TimeSpan.FromSeconds(10);
    private long _last;

    /// <summary>Watches through <paramref name="cluster"/> (reopened by <paramref name="connector"/> from <paramref name="settings"/> when it drops); returns the final status.</summary>
    public Task<SweepStatus> WatchAsync(ISweepCluster cluster, ConnectionSettings settings, IClusterConnector connector, CancellationToken cancellationToken) =>
        _view.RunAsync(() => FollowAsync(cluster, settings, connector, cancellationToken));

    private async Task<SweepStatus> FollowAsync(ISweepCluster session, ConnectionSettings settings, IClusterConnector connector, CancellationToken cancellationToken)
    {
        var owned = (ISweepCluster?)null;
        var lastStatus = DateTime.MinValue;
        SweepStatus? status = null;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    var page = await session.GetEventsAsync(sweepId, _last, cancellationToken).WaitAsync(PollTimeout, cancellationToken);
                    foreach (var e in page.Events)
                    {
                        Emit(e);
                    }

                    _last = page.LastSequence;
                    if (page.Gap || status is null || DateTime.UtcNow - lastStatus > TimeSpan.FromSeconds(1))
                    {
                        status = await session.GetSweepAsync(sweepId, cancellationToken).WaitAsync(PollTimeout, cancellationToken);
                        lastStatus = DateTime.UtcNow;
                        _view.Update(status);
                        if (status.State != SweepState.Running)
                        {
                            // Experiments publish their events after persisting their state, so the last ones may still be
                            // on their way: read the feed until it has been quiet twice (at most about 2 s).
                            for (var quiet = 0; quiet < 2 && DateTime.UtcNow - lastStatus < TimeSpan.FromSeconds(2);)
                            {
                                var tail = await session.GetEventsAsync(sweepId, _last, cancellationToken).WaitAsync(PollTimeout, cancellationToken);
                                foreach (var e in tail.Events)
                                {
                                    Emit(e);
                                }

                                _last = tail.LastSequence;
                                quiet = tail.Events.Count == 0 ? quiet + 1 : 0;
                                await Task.Delay(TimeSpan.FromMilliseconds(150), cancellationToken);
                            }

                            _view.Finish(status);
                            return status;
                        }
                    }
                }
                catch (Exception ex) when (!settings.Local && ex is ClusterConnectionLostException or TimeoutException)
                {
                    _view.Note($"connection lost ({(ex.InnerException ?? ex).GetType().Name}); reconnecting to {settings.Gateway}");
                    if (owned is not null)
                    {
                        await owned.DisposeAsync();
                    }

                    owned = await connector.ConnectAsync(settings, cancellationToken);
                    session = owned;
                    _view.Note("reconnected; continuing");
                    continue;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(400), cancellationToken);
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
