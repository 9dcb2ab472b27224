using System.Collections.Immutable;
using System.Diagnostics;
using ALoRA.Abstractions.Cluster;
using ALoRA.Abstractions.Diagnostics;
using ALoRA.Abstractions.Grains;
using ALoRA.Abstractions.Trials;
using ALoRA.Grains.Diagnostics;
using ALoRA.Grains.Hosting;
using ALoRA.Sweeps;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ALoRA.Grains.Scheduling;

/// <summary>
/// The cluster's queue and device slots (key <see cref="SchedulerKeys.Default"/>). Trainers pull, one per slot: a slot
/// asks for its next assignment and gets the next trial by <see cref="TrialQueue"/>'s policy (FIFO within a sweep,
/// round-robin across sweeps, within each sweep's concurrency limit) whose estimated memory fits what the slot's device
/// has free and whose sweep's dtype the device computes, or is remembered as waiting and told when work arrives. The slots' lifecycle rules are
/// <see cref="SlotBook"/>'s: an attempt's end is said by the trial's experiment (<see cref="AttemptEndedAsync"/>), the
/// one owner of the attempt; a timer checks cluster membership: the devices of a silo that is no longer active are
/// removed and their trials requeued at the back of their sweep (they have the least work left). Its calls await no other grain (its notifications are one-way; only the background
/// rebuild of a lost record asks the sweeps, while calls go on being served), so it cannot take part in a call cycle. A trial's first dispatch starts the trial's own trace (linked to the span that queued it); its
/// later dispatches and requeues join that trace, whose id is kept in <see cref="SchedulerState.TraceParents"/> and handed
/// to the trainer. The queue length is reported to <see cref="AloraInstruments"/> by the silo hosting this grain.
/// When its stored state cannot be read, the record is set aside (kept under another name) and, as when it has no
/// record at all, the sweep list and the queue are rebuilt from the sweeps' and trials' own records
/// (SchedulerGrain.Rebuild.cs; <see cref="ClusterStatus.SchedulerRebuilt"/> says so). Only when the storage cannot set
/// it aside does the grain stay as it was: it schedules and writes nothing, <see cref="GetClusterStatusAsync"/> reports
/// the reason (<see cref="ClusterStatus.SchedulerError"/>), enqueueing is refused with it, trainers get no work.
/// </summary>
public sealed partial class SchedulerGrain(
    [PersistentState("scheduler", AloraStorageNames.State)] IPersistentState<SchedulerState> state,
    IClusterMembershipService membership,
    IOptions<AloraClusterOptions> options,
    AloraInstruments instruments,
    ILogger<SchedulerGrain> logger) : Grain, ISchedulerGrain
{
    // Before a trial's first dispatch, SchedulerState.TraceParents holds the span that queued it behind this prefix (the
    // first dispatch links to it); afterwards, the trial's own trace.
    private const string QueuedBy = "queued-by:";

    private TrialQueue _queue = new();
    private SlotBook _slots = new(new Dictionary<string, TrainerRecord>(StringComparer.Ordinal));

    private string? Unreadable => state.State.UnreadableReason;

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Unreadable is { } reason && !await SetAsideAsync(reason, cancellationToken))
        {
            LogUnreadable(reason);
            return;
        }

        var lost = !state.RecordExists; // no record (never written, deleted, or just set aside): rebuilt from the sweeps'
        _queue = TrialQueue.FromSnapshot(state.State.Queue);
        _slots = new SlotBook(state.State.Trainers);
        this.RegisterGrainTimer(CheckTrainersAsync, new GrainTimerCreationOptions
        {
            DueTime = options.Value.SchedulerInterval,
            Period = options.Value.SchedulerInterval,
            KeepAlive = true,
        });
        instruments.OnQueueChanged(_queue.TotalQueued);
        if (lost)
        {
            StartRebuild();
        }
    }

    /// <inheritdoc />
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        instruments.OnQueueChanged(null);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task EnqueueAsync(string sweepId, ImmutableList<string> trialIds, int maxConcurrentTrials, Dictionary<string, long>? estimatedBytes, string? dtype)
    {
        if (Unreadable is { } reason)
        {
            throw new InvalidOperationException(
                $"the scheduler cannot queue the trials of sweep '{sweepId}': its stored state cannot be read ({reason}). Repair or delete that record, then submit the sweep again (finished trials are reused).");
        }

        if (!state.State.Sweeps.Contains(sweepId))
        {
            state.State.Sweeps.Add(sweepId);
        }

        if (dtype is not null)
        {
            state.State.SweepDTypes[sweepId] = dtype;
        }
        else
        {
            state.State.SweepDTypes.Remove(sweepId);
        }

        using var activity = AloraDiagnostics.Scheduler.StartActivity(AloraTelemetry.Spans.SchedulerEnqueue);
        var traceParent = AloraDiagnostics.TraceParentOf(Activity.Current);
        var running = _slots.Running.ToHashSet(StringComparer.Ordinal);
        var added = 0;
        foreach (var id in trialIds)
        {
            if (estimatedBytes is not null && estimatedBytes.TryGetValue(id, out var bytes) && !running.Contains(id))
            {
                state.State.TrialBytes[id] = bytes;
            }

            if (!running.Contains(id) && _queue.Enqueue(sweepId, id, maxConcurrentTrials))
            {
                added++;
                if (traceParent is not null)
                {
                    state.State.TraceParents[id] = QueuedBy + traceParent;
                }
                else
                {
                    state.State.TraceParents.Remove(id);
                }
            }
        }

        activity?.SetTag(AloraTelemetry.Tags.SweepId, sweepId)
            .SetTag(AloraTelemetry.Tags.Queued, added)
            .SetTag(AloraTelemetry.Tags.QueueLength, _queue.TotalQueued);
        await SaveAsync();
        LogEnqueued(sweepId, added, _queue.TotalQueued);
        WakeWaitingTrainers();
    }

    /// <inheritdoc />
    public async Task<ImmutableList<string>> CancelSweepAsync(string sweepId)
    {
        if (Unreadable is not null)
        {
            return []; // the coordinator still cancels every experiment
        }

        ImmutableList<string> running = [.. _queue.GetRunning(sweepId)];
        var dropped = _queue.RemoveSweep(sweepId);
        foreach (var trial in state.State.TraceParents.Keys.Where(t => TrialIds.SweepOf(t) == sweepId).ToList())
        {
            state.State.TraceParents.Remove(trial);
        }

        foreach (var trial in state.State.TrialBytes.Keys.Where(t => TrialIds.SweepOf(t) == sweepId && !running.Contains(t)).ToList())
        {
            state.State.TrialBytes.Remove(trial);
        }

        state.State.SweepDTypes.Remove(sweepId);

        await SaveAsync();
        LogSweepCancelled(sweepId, dropped.Count, running.Count);
        return running;
    }

    /// <inheritdoc />
    public async Task RegisterTrainersAsync(string siloAddress, ImmutableList<DeviceRegistration> devices)
    {
        ArgumentNullException.ThrowIfNull(devices);
        if (Unreadable is not null)
        {
            return;
        }

        var changed = false;
        var lost = new List<LostAssignment>();
        foreach (var device in devices)
        {
            var known = state.State.Trainers.ContainsKey(device.Key);
            changed |= _slots.Register(device, siloAddress, DateTimeOffset.UtcNow, lost);
            if (!known)
            {
                LogTrainerRegistered(device.Key, siloAddress, Math.Max(1, device.Slots));
            }
        }

        changed |= Lose(lost);
        if (changed)
        {
            await SaveAsync();
            WakeWaitingTrainers();
        }
    }

    /// <inheritdoc />
    public async Task<TrialDispatch?> NextAssignmentAsync(string trainerKey)
    {
        if (Unreadable is not null)
        {
            return null;
        }

        var lost = new List<LostAssignment>();
        if (!_slots.Next(trainerKey, DateTimeOffset.UtcNow, lost))
        {
            return null;
        }

        // A slot that still held a trial: its trainer lost it (e.g. it was reactivated without its job).
        var changed = Lose(lost);
        if (_queue.TryDequeue(id => _slots.Fits(trainerKey, Bytes(id)) && _slots.Computes(trainerKey, DTypeOf(id)), out var sweepId, out var trialId))
        {
            using var activity = StartDispatchSpan(trialId);
            activity?.SetTag(AloraTelemetry.Tags.SweepId, sweepId)
                .SetTag(AloraTelemetry.Tags.Trainer, trainerKey)
                .SetTag(AloraTelemetry.Tags.QueueLength, _queue.TotalQueued);
            _slots.Assign(trainerKey, trialId, Bytes(trialId));
            await SaveAsync();
            return new TrialDispatch { TrialId = trialId, TraceParent = TrialTrace(trialId) };
        }

        _slots.Wait(trainerKey);
        if (changed)
        {
            await SaveAsync();
        }

        return null;
    }

    /// <inheritdoc />
    public async Task AttemptEndedAsync(string trialId, string trainer, bool requeue)
    {
        if (Unreadable is not null)
        {
            return;
        }

        if (_slots.Release(trialId, trainer) == ReleaseOutcome.HeldElsewhere)
        {
            return; // about an older attempt: the trial runs elsewhere now
        }

        var sweep = TrialIds.SweepOf(trialId);
        if (requeue)
        {
            _queue.Requeue(sweep, trialId);
        }
        else
        {
            _queue.MarkFinished(sweep, trialId);
            state.State.TraceParents.Remove(trialId);
            state.State.TrialBytes.Remove(trialId);
        }

        await SaveAsync();
        WakeWaitingTrainers();
    }

    /// <inheritdoc />
    public Task<ClusterStatus> GetClusterStatusAsync() => Task.FromResult(new ClusterStatus
    {
        Trainers = [.. state.State.Trainers.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => new TrainerInfo
        {
            Key = t.Key, SiloAddress = t.Value.SiloAddress, Trial = t.Value.Slots.Select(s => s.Trial).FirstOrDefault(s => s is not null),
            LastSeen = t.Value.LastSeen, DeviceMemoryBytes = t.Value.DeviceMemoryBytes,
            Slots = [.. SlotBook.Describe(t.Key, t.Value)],
            ReservedBytes = t.Value.Slots.Where(s => s.Trial is not null).Sum(s => s.ReservedBytes ?? 0),
        })],
        Queued = _queue.TotalQueued,
        Running = _queue.TotalRunning,
        Sweeps = [.. state.State.Sweeps],
        SchedulerError = Unreadable,
        SchedulerRebuilt = state.State.Rebuilt,
    });

    private async Task CheckTrainersAsync(CancellationToken cancellationToken)
    {
        var snapshot = membership.CurrentSnapshot;
        var lost = new List<LostAssignment>();
        var removed = false;
        foreach (var (key, record) in state.State.Trainers.ToList())
        {
            var status = SiloStatus.None;
            try
            {
                status = snapshot.GetSiloStatus(SiloAddress.FromParsableString(record.SiloAddress));
            }
            catch (FormatException)
            {
            }

            if (status is SiloStatus.Active or SiloStatus.Joining or SiloStatus.Created)
            {
                continue;
            }

            if (status == SiloStatus.None && DateTimeOffset.UtcNow - record.LastSeen < options.Value.HeartbeatInterval * 3)
            {
                // Not in this silo's view of membership yet; give it time.
                continue;
            }

            _slots.Remove(key, $"its silo {record.SiloAddress} is {status}", lost);
            LogTrainerRemoved(key, status.ToString());
            removed = true;
        }

        if (Lose(lost) || removed)
        {
            await SaveAsync();
        }

        WakeWaitingTrainers();
    }

    /// <summary>Requeues the trials taken from slots whose trainers cannot be running them, and tells their experiments; true when there were any.</summary>
    private bool Lose(List<LostAssignment> lost)
    {
        foreach (var (key, trainer, trial, reason) in lost)
        {
            using var activity = StartSpan(AloraTelemetry.Spans.SchedulerRequeue, trial);
            activity?.SetTag(AloraTelemetry.Tags.Trainer, key).SetTag(AloraTelemetry.Tags.Reason, reason);
            _queue.Requeue(TrialIds.SweepOf(trial), trial);
            GrainFactory.GetGrain<IExperimentGrain>(trial).OnTrainerLostAsync(trainer, reason).Ignore();
            LogTrialLost(trial, key, reason);
        }

        return lost.Count > 0;
    }

    /// <summary>The estimated memory of <paramref name="trialId"/>, or null when its sweep gave none.</summary>
    private long? Bytes(string trialId) => state.State.TrialBytes.TryGetValue(trialId, out var bytes) ? bytes : null;

    private void WakeWaitingTrainers()
    {
        if (_queue.TotalQueued == 0)
        {
            return;
        }

        foreach (var key in _slots.WaitingSlots())
        {
            GrainFactory.GetGrain<ITrainerGrain>(key).WorkAvailableAsync().Ignore();
        }
    }

    private Task SaveAsync()
    {
        state.State.Queue = _queue.ToSnapshot();
        instruments.OnQueueChanged(_queue.TotalQueued);
        return state.WriteStateAsync();
    }

    /// <summary>The W3C id of <paramref name="trialId"/>'s own trace, or null before its first dispatch.</summary>
    private string? TrialTrace(string trialId) =>
        state.State.TraceParents.GetValueOrDefault(trialId) is { } parent && !parent.StartsWith(QueuedBy, StringComparison.Ordinal) ? parent : null;

    /// <summary>
    /// The dispatch span of <paramref name="trialId"/>: in the trial's trace, or, at its first dispatch, the root of that
    /// trace (linked to the span that queued it), whose id is kept as the trial's trace from then on.
    /// </summary>
    private Activity? StartDispatchSpan(string trialId)
    {
        if (TrialTrace(trialId) is not null)
        {
            return StartSpan(AloraTelemetry.Spans.SchedulerDispatch, trialId);
        }

        var queuedBy = state.State.TraceParents.GetValueOrDefault(trialId);
        var root = AloraDiagnostics.Scheduler.StartRoot(AloraTelemetry.Spans.SchedulerDispatch, queuedBy?[QueuedBy.Length..]);
        if (AloraDiagnostics.TraceParentOf(root) is { } trace)
        {
            state.State.TraceParents[trialId] = trace;
        }

        return root?.SetTag(AloraTelemetry.Tags.TrialId, trialId);
    }

    /// <summary>A span of <paramref name="trialId"/>, in the trial's trace (in the current trace before it has one).</summary>
    private Activity? StartSpan(string name, string trialId) =>
        AloraDiagnostics.Scheduler.StartInTrace(name, TrialTrace(trialId), nestUnderCurrent: false)
            ?.SetTag(AloraTelemetry.Tags.TrialId, trialId);

    [LoggerMessage(Level = LogLevel.Error, Message = "The scheduler's stored state cannot be read; nothing is queued or dispatched until it is repaired or deleted: {Reason}")]
    private partial void LogUnreadable(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep {SweepId}: {Added} trials queued ({Queued} waiting in all)")]
    private partial void LogEnqueued(string sweepId, int added, int queued);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep {SweepId} cancelled: {Dropped} queued trials dropped, {Running} running trials to stop")]
    private partial void LogSweepCancelled(string sweepId, int dropped, int running);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {Device} registered on {Silo} with {Slots} slots")]
    private partial void LogTrainerRegistered(string device, string silo, int slots);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {Trainer} removed: its silo is {Status}")]
    private partial void LogTrainerRemoved(string trainer, string status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trial {TrialId} lost its trainer {Trainer} ({Reason}); requeued")]
    private partial void LogTrialLost(string trialId, string trainer, string reason);
}
