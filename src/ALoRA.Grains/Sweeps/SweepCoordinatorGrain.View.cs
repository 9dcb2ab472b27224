using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Grains;
using ALoRA.Abstractions.Trials;
using Microsoft.Extensions.Logging;

namespace ALoRA.Grains.Sweeps;

/// <summary>
/// The view (docs/state-format.md): every trial's last status, taken from what its experiment returns at
/// initialisation and publishes afterwards, newer statuses only (<see cref="TrialStatus.Supersedes"/>), so a late
/// publish never overwrites a newer state. State changes are stored (coalesced: a burst costs two writes) before
/// <see cref="PublishAsync"/> returns; progress is folded in memory and stored with the next state change. Status is
/// answered from the view without calling the experiments. Repair, for a state change lost with a coordinator that
/// went away before storing it, a publish that never arrived, or a trial record that became unreadable: the first read
/// of an activation asks the experiment of every trial it has not heard from yet, once (one that does not answer keeps
/// its stored status and is asked again at the next read); later reads refresh, in the background and at most every
/// <see cref="RefreshAfter"/>, the trials that are not final and were not heard from for that long.
/// </summary>
public sealed partial class SweepCoordinatorGrain
{
    /// <summary>How long a trial that is not final may stay unheard of before a read asks its experiment.</summary>
    internal static readonly TimeSpan RefreshAfter = TimeSpan.FromMinutes(5);

    // When this activation last heard of each trial (a publish, an initialisation or a repair).
    private readonly Dictionary<string, DateTime> _heard = new(StringComparer.Ordinal);
    // Trials the activation's repair has not heard from yet (null: not started).
    private HashSet<string>? _unrepaired;
    private Task? _repair;
    private Task _firstRepair = Task.CompletedTask;
    private HashSet<string>? _trialSet;
    private Task? _refresh;
    private DateTime _lastRefresh = DateTime.UtcNow;

    /// <inheritdoc />
    public async Task<SweepStatus> GetStatusAsync()
    {
        if (S.UnreadableReason is { } reason)
        {
            return new SweepStatus { SweepId = this.GetPrimaryKeyString(), State = SweepState.Unreadable, Error = reason };
        }

        EnsureExists();
        await RepairOnceAsync();
        RefreshIfQuiet();
        return new SweepStatus
        {
            SweepId = this.GetPrimaryKeyString(),
            Name = S.Name,
            State = CurrentState(),
            Metric = S.Metric,
            Mode = S.Mode,
            SubmittedAt = S.SubmittedAt,
            Trials = [.. S.TrialIds.Select(Trial)],
            Created = S.Creating ? Math.Max(S.Created, CreatingNow ? _initialised : 0) : S.TrialIds.Count,
        };
    }

    /// <inheritdoc />
    public async Task PublishAsync(TrialUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        foreach (var p in update.Progress)
        {
            _feed.Add(p, null);
        }

        if (Take(update.Status) && update.StateChanged)
        {
            _feed.Add(null, update.Status);
            await PersistAsync();
        }
    }

    private SweepState CurrentState() =>
        S.UnreadableReason is not null ? SweepState.Unreadable
        : S.Cancelled ? SweepState.Cancelled
        : S.Creating ? SweepState.Creating
        : S.TrialIds.All(id => S.Trials.TryGetValue(id, out var t) && t.State.IsSettled()) ? SweepState.Completed
        : SweepState.Running;

    private TrialStatus Trial(string trialId) =>
        S.Trials.GetValueOrDefault(trialId) ?? new TrialStatus { TrialId = trialId, SweepId = this.GetPrimaryKeyString() };

    private void EnsureExists()
    {
        if (!S.IsSubmitted)
        {
            throw new KeyNotFoundException($"no sweep '{this.GetPrimaryKeyString()}'");
        }
    }

    /// <summary>Takes <paramref name="status"/> into the view unless it holds a newer one; true when taken.</summary>
    private bool Take(TrialStatus status)
    {
        if (!(_trialSet ??= new HashSet<string>(S.TrialIds, StringComparer.Ordinal)).Contains(status.TrialId))
        {
            return false; // not one of this sweep's trials (the record was replaced)
        }

        _heard[status.TrialId] = DateTime.UtcNow;
        if (S.Trials.TryGetValue(status.TrialId, out var known) && !status.Supersedes(known))
        {
            LogOutOfOrder(this.GetPrimaryKeyString(), status.TrialId, status.Version, status.ProgressSequence, known.Version, known.ProgressSequence);
            return false;
        }

        S.Trials[status.TrialId] = status;
        return true;
    }

    /// <summary>
    /// Takes statuses the coordinator asked for into the view and stores it; with <paramref name="feed"/>, a changed
    /// state also goes to the feed (a change that was never published).
    /// </summary>
    private async Task TakeIntoViewAsync(IEnumerable<TrialStatus> statuses, bool feed = false)
    {
        var taken = false;
        foreach (var status in statuses)
        {
            var before = S.Trials.GetValueOrDefault(status.TrialId)?.State;
            if (Take(status))
            {
                taken = true;
                if (feed && before != status.State)
                {
                    _feed.Add(null, status);
                }
            }
        }

        if (taken)
        {
            await PersistAsync();
        }
    }

    /// <summary>
    /// Stores the view, unless the record cannot be read (it is never overwritten) or the sweep was never submitted; while
    /// trials are being created, their creation stores it (at most <see cref="StoreEvery"/> later), so a burst of
    /// publishes from new trials does not write the whole view again and again.
    /// </summary>
    private Task PersistAsync() => S.UnreadableReason is null && S.IsSubmitted && !CreatingNow ? _writer.WriteAsync() : Task.CompletedTask;

    /// <summary>
    /// The repair that follows an activation: the experiment of every trial this activation has not heard from is
    /// asked once (a stored state change may have been lost with the previous activation, and a trial's record may have
    /// become unreadable since); the first read waits for it. A trial whose experiment does not answer keeps its stored
    /// status and is asked again, in the background, at the next read.
    /// </summary>
    private Task RepairOnceAsync()
    {
        if (_unrepaired is null)
        {
            // While creating, trials not created yet have no experiment to ask (their creation tells the view).
            _unrepaired = new HashSet<string>(S.TrialIds.Where(id => !_heard.ContainsKey(id) && (!S.Creating || S.Trials.ContainsKey(id))), StringComparer.Ordinal);
            _firstRepair = _repair = _unrepaired.Count == 0 ? Task.CompletedTask : RefreshAsync([.. _unrepaired], "activated");
        }
        else if (_repair is { IsCompleted: true } && _unrepaired.Count > 0)
        {
            _repair = RefreshAsync([.. _unrepaired], "did not answer before");
        }

        return _firstRepair;
    }

    private void RefreshIfQuiet()
    {
        var now = DateTime.UtcNow;
        if (_unrepaired is not { Count: 0 } || _refresh is { IsCompleted: false } || now - _lastRefresh < RefreshAfter)
        {
            return;
        }

        _lastRefresh = now;
        var quiet = S.TrialIds
            .Where(id => S.Trials.TryGetValue(id, out var t) && !t.State.IsFinal() && now - _heard.GetValueOrDefault(id) >= RefreshAfter)
            .ToList();
        if (quiet.Count > 0)
        {
            _refresh = RefreshAsync(quiet, "not heard from for a while");
        }
    }

    /// <summary>Asks the experiments of <paramref name="trialIds"/> for their status and takes the answers into the view.</summary>
    private async Task RefreshAsync(IReadOnlyList<string> trialIds, string why)
    {
        var answers = await Task.WhenAll(trialIds.Select(AskAsync));
        _lastRefresh = DateTime.UtcNow;
        var answered = answers.OfType<TrialStatus>().ToList();
        foreach (var status in answered)
        {
            _unrepaired?.Remove(status.TrialId);
        }

        LogRefreshed(this.GetPrimaryKeyString(), answered.Count, trialIds.Count, why);
        try
        {
            await TakeIntoViewAsync(answered, feed: true);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The view is current in memory; the next state change stores it.
            LogViewUnwritten(this.GetPrimaryKeyString(), ex);
        }
    }

    private async Task<TrialStatus?> AskAsync(string trialId)
    {
        try
        {
            return await GrainFactory.GetGrain<IExperimentGrain>(trialId).GetStatusAsync();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogUnanswered(this.GetPrimaryKeyString(), trialId, ex);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sweep {SweepId}: ignored a status of trial {TrialId} (version {Version}.{Sequence}) older than the one it holds ({KnownVersion}.{KnownSequence})")]
    private partial void LogOutOfOrder(string sweepId, string trialId, long version, long sequence, long knownVersion, long knownSequence);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep {SweepId}: {Answered} of {Asked} experiments answered for their status ({Why})")]
    private partial void LogRefreshed(string sweepId, int answered, int asked, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweep {SweepId}: the refreshed view was not stored; the next state change stores it")]
    private partial void LogViewUnwritten(string sweepId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweep {SweepId}: trial {TrialId} did not answer for its status; its last known status is kept and it is asked again at the next read")]
    private partial void LogUnanswered(string sweepId, string trialId, Exception exception);
}
