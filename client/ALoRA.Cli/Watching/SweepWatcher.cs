using System.Text.Json;
using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Grains;
using ALoRA.Abstractions.Trials;
using ALoRA.Cli.Connection;
using ALoRA.Cli.Output;
using Orleans.Runtime;
using Orleans.Runtime.Messaging;

namespace ALoRA.Cli.Watching;

/// <summary>
/// Follows a sweep until it ends: reads its progress feed from the last event seen, and its status snapshot when the
/// feed has a gap (the coordinator moved) or every second. A lost connection (a silo restarting) is reopened with
/// backoff and the watch continues where it was. Table mode draws the live view; JSON mode prints one JSON object
/// per event on stdout and the final status last.
/// </summary>
internal sealed class SweepWatcher(string sweepId, OutputFormat format)
{
    private readonly LiveView _view = new(
        format == OutputFormat.Json || Console.IsOutputRedirected ? null : Console.Out,
        sweepId,
        format == OutputFormat.Json ? Console.Error : Console.Out);
    // A silo that is shutting down may never answer an in-flight call; a bounded poll turns that into a reconnect.
    private static readonly TimeSpan PollTimeout = TimeSpan.FromSeconds(10);
    private long _last;

    /// <summary>Watches through <paramref name="session"/> (reopened from <paramref name="settings"/> when it drops); returns the final status.</summary>
    public async Task<SweepStatus> WatchAsync(ClusterSession session, ConnectionSettings settings, CancellationToken cancellationToken)
    {
        var owned = (ClusterSession?)null;
        var lastStatus = DateTime.MinValue;
        SweepStatus? status = null;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    var sweep = session.Grains.GetGrain<ISweepCoordinatorGrain>(sweepId);
                    var page = await sweep.GetEventsAsync(_last).WaitAsync(PollTimeout, cancellationToken);
                    foreach (var e in page.Events)
                    {
                        Emit(e);
                    }

                    _last = page.LastSequence;
                    if (page.Gap || status is null || DateTime.UtcNow - lastStatus > TimeSpan.FromSeconds(1))
                    {
                        status = await sweep.GetStatusAsync().WaitAsync(PollTimeout, cancellationToken);
                        lastStatus = DateTime.UtcNow;
                        _view.Update(status);
                        if (status.State != SweepState.Running)
                        {
                            // Experiments publish their events after persisting their state, so the last ones may still be
                            // on their way: read the feed until it has been quiet twice (at most about 2 s).
                            for (var quiet = 0; quiet < 2 && DateTime.UtcNow - lastStatus < TimeSpan.FromSeconds(2);)
                            {
                                var tail = await sweep.GetEventsAsync(_last).WaitAsync(PollTimeout, cancellationToken);
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
                catch (Exception ex) when (!settings.Local && IsConnectionLoss(ex))
                {
                    _view.Note($"connection lost ({ex.GetType().Name}); reconnecting to {settings.Gateway}");
                    if (owned is not null)
                    {
                        await owned.DisposeAsync();
                    }

                    owned = await ClusterSession.OpenAsync(settings, cancellationToken);
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

    private static bool IsConnectionLoss(Exception ex) =>
        ex is OrleansMessageRejectionException or SiloUnavailableException or ConnectionFailedException or TimeoutException
            or GatewayTooBusyException or ClientNotAvailableException or ObjectDisposedException
        || (ex is OrleansException && ex.Message.Contains("gateway", StringComparison.OrdinalIgnoreCase));

    private void Emit(SweepEvent e)
    {
        if (format == OutputFormat.Json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(e, CliJson.Line));
            return;
        }

        _view.Apply(e);
    }
}
