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
/// Follows a sweep until it ends: opens the coordinator's feed stream (<c>ISweepCoordinatorGrain.WatchAsync</c>) from
/// the last event seen, takes a status snapshot first and whenever the stream reports a gap, and folds the state
/// changes it receives into that snapshot for the live view; the stream ends when the sweep does, and the final status
/// is read once. A stream that breaks (the coordinator moved) is reopened from the last event seen; a lost connection
/// (a silo restarting, or no page, not even the keep-alive, for <see cref="IdleTimeout"/>) is reopened with backoff
/// and the watch continues where it was. Table mode draws the live view; JSON mode prints one JSON object per event on
/// stdout and the final status last.
/// </summary>
internal sealed class SweepWatcher(string sweepId, OutputFormat format)
{
    // The coordinator sends a page at least every few seconds; a silo that is shutting down may never answer, and a
    // bounded wait turns that into a reconnect.
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RedrawEvery = TimeSpan.FromMilliseconds(250);

    private readonly LiveView _view = new(
        format == OutputFormat.Json || Console.IsOutputRedirected ? null : Console.Out,
        sweepId,
        format == OutputFormat.Json ? Console.Error : Console.Out);
    private long _last;
    private SweepStatus? _status;
    private DateTime _drawn = DateTime.MinValue;

    /// <summary>Watches through <paramref name="session"/> (reopened from <paramref name="settings"/> when it drops); returns the final status.</summary>
    public async Task<SweepStatus> WatchAsync(ClusterSession session, ConnectionSettings settings, CancellationToken cancellationToken)
    {
        var owned = (ClusterSession?)null;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    var sweep = session.Grains.GetGrain<ISweepCoordinatorGrain>(sweepId);
                    await FollowAsync(sweep, cancellationToken);
                    var final = await sweep.GetStatusAsync().WaitAsync(IdleTimeout, cancellationToken);
                    _view.Finish(final);
                    return final;
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && IsStreamBreak(ex))
                {
                    // The coordinator went away (deactivated or moved) while the connection stayed: reopen from the last event.
                    _view.Note($"feed interrupted ({ex.GetType().Name}); resuming");
                    await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
                }
                catch (Exception ex) when (!settings.Local && !cancellationToken.IsCancellationRequested && IsConnectionLoss(ex))
                {
                    _view.Note($"connection lost ({ex.GetType().Name}); reconnecting to {settings.Gateway}");
                    if (owned is not null)
                    {
                        await owned.DisposeAsync();
                    }

                    owned = await ClusterSession.OpenAsync(settings, cancellationToken);
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
    private async Task FollowAsync(ISweepCoordinatorGrain sweep, CancellationToken cancellationToken)
    {
        var pages = sweep.WatchAsync(_last, cancellationToken).GetAsyncEnumerator(cancellationToken);
        var clean = false;
        try
        {
            while (await pages.MoveNextAsync().AsTask().WaitAsync(IdleTimeout, cancellationToken))
            {
                var page = pages.Current;
                if (page.Gap || _status is null)
                {
                    // Events were dropped (or this is the start): the snapshot stands in for them.
                    _status = await sweep.GetStatusAsync().WaitAsync(IdleTimeout, cancellationToken);
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
                // Disposing tells the coordinator, which may be gone: do not wait for it.
                _ = pages.DisposeAsync().AsTask();
            }
        }
    }

    private static SweepStatus Fold(SweepStatus status, TrialStatus change) => status with
    {
        Trials = [.. status.Trials.Select(t => t.TrialId == change.TrialId && change.Supersedes(t) ? change : t)],
    };

    private static bool IsStreamBreak(Exception ex) => ex is EnumerationAbortedException or OperationCanceledException;

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
