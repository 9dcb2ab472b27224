using System.Collections.Immutable;
using System.Diagnostics;
using ALoRA.Abstractions.Diagnostics;
using ALoRA.Abstractions.Grains;
using ALoRA.Abstractions.Sweeps;
using ALoRA.Abstractions.Trials;
using ALoRA.Grains.Diagnostics;
using ALoRA.Grains.Hosting;
using ALoRA.Sweeps;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ALoRA.Grains.Experiments;

/// <summary>
/// One trial's state machine (key: trial id). Attempts are numbered and each has a random lease; only reports of the
/// current attempt carrying its lease are accepted (fencing), so a trainer that lost the trial cannot overwrite its
/// history or result, and nobody can forge one by guessing attempt numbers. A drained trainer's hand-back is
/// always retried; attempts that lose their trainer up to <see cref="AloraClusterOptions.MaxInfrastructureRetries"/> times
/// (ExperimentGrain.Losses.cs); training failures up to <see cref="AloraClusterOptions.MaxTrialRetries"/> times. Its
/// <see cref="AloraTelemetry.Spans.ExperimentInitialize"/> span belongs to the submission's trace; the trial's own trace
/// starts at its first dispatch (see <see cref="AloraTelemetry.Spans.SchedulerDispatch"/>), and each attempt is handed out
/// inside it: the span of that hand-out is kept in <see cref="ExperimentState.TraceParent"/>, the parent of this trial's
/// spans that are not started from within its trace.
/// When the stored state cannot be read (<see cref="ExperimentState.UnreadableReason"/>), the grain still activates: it
/// reports the trial as <see cref="TrialState.Unreadable"/> with the reason, never runs it and never writes over it.
/// </summary>
public sealed partial class ExperimentGrain(
    [PersistentState("experiment", AloraStorageNames.State)] IPersistentState<ExperimentState> state,
    IOptions<AloraClusterOptions> options,
    AloraInstruments instruments,
    ILogger<ExperimentGrain> logger) : Grain, IExperimentGrain
{
    // At most this many applied events wait for a write (a trial that writes no checkpoints); their trainer keeps them until then.
    private const int MaxUnstoredEvents = 1000;

    // The state this activation counts in the alora.trials instrument (null: not counted).
    private TrialState? _counted;

    // A state change the coordinator did not acknowledge is sent again (with the newest status) this many times, after 1, 2, 4, ... s.
    private const int PublishRetries = 5;

    // The last update sent to the sweep's coordinator: the next one goes after it.
    private Task _published = Task.CompletedTask;

    // ExperimentState.ReportedSequence as last stored: the trainer may forget the events up to it. Events applied since
    // (ReportedSequence above it) are written at the latest on deactivation.
    private long _storedSequence;

    private ExperimentState S => state.State;

    private bool Unreadable => S.UnreadableReason is not null;

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _storedSequence = S.ReportedSequence;
        if (Unreadable)
        {
            LogUnreadable(this.GetPrimaryKeyString(), S.UnreadableReason!);
        }
        else if (S.Spec is not null)
        {
            Count();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Step losses and evaluations are written with the next checkpoint or state change, not one by one; an activation
    /// that goes away while its trial trains (its silo stops, or the silo holding its directory entry leaves) writes
    /// them now, so the next activation continues the loss history without a hole.
    /// </remarks>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        instruments.OnTrialStateChanged(_counted, null);
        _counted = null;
        if (S.ReportedSequence != _storedSequence)
        {
            try
            {
                await WriteAsync();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogUnwrittenProgress(this.GetPrimaryKeyString(), reason.ToString(), ex);
            }
        }
    }

    /// <inheritdoc />
    public async Task<TrialStatus> InitializeAsync(TrialSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.TrialId != this.GetPrimaryKeyString())
        {
            throw new ArgumentException($"trial spec {spec.TrialId} sent to experiment {this.GetPrimaryKeyString()}");
        }

        if (Unreadable)
        {
            return Status(); // not queued: the coordinator lists it as unreadable
        }

        using var activity = AloraDiagnostics.Experiment.StartActivity(AloraTelemetry.Spans.ExperimentInitialize);
        activity?.SetTag(AloraTelemetry.Tags.TrialId, spec.TrialId)
            .SetTag(AloraTelemetry.Tags.SweepId, spec.SweepId)
            .SetTag(AloraTelemetry.Tags.Method, spec.Method);
        if (S.Spec is null)
        {
            S.Spec = spec;
            S.State = TrialState.Queued;
            await ChangedAsync("queued");
        }
        else if (S.Spec.ConfigHash != spec.ConfigHash)
        {
            throw new ArgumentException($"trial {spec.TrialId} already exists with another configuration ({S.Spec.ConfigHash}, now {spec.ConfigHash})");
        }
        else if (S.State is TrialState.Cancelled or TrialState.Failed)
        {
            // A resubmitted sweep gives cancelled and failed trials another run; history is kept. The new run gets a trace
            // of its own, linked to the resubmission (the scheduler starts it at the run's first dispatch).
            S.TrialFailures = 0;
            S.LostAttempts.Clear();
            S.State = TrialState.Queued;
            await ChangedAsync("queued again by a resubmission");
        }

        activity?.SetTag(AloraTelemetry.Tags.State, AloraInstruments.StateName(S.State));
        return Status();
    }

    /// <inheritdoc />
    /// <remarks>
    /// Safe to repeat: the trainer incarnation that holds the running attempt gets that attempt again, not a new one
    /// (its first call may have succeeded while its answer was lost).
    /// </remarks>
    public async Task<TrialAssignment?> BeginAttemptAsync(string trainer)
    {
        if (Unreadable || S.Spec is null || S.State.IsFinal())
        {
            await EndAttemptAsync(trainer, requeue: false); // nothing to run: the slot is free, the trial finished
            return null;
        }

        if (S.State == TrialState.Running && S.Trainer == trainer)
        {
            // A retried call whose first answer was lost (e.g. its silo went away meanwhile); a running attempt stored
            // before leases existed gets its lease now.
            if (S.Lease is null)
            {
                S.Lease = AttemptLease.New();
                await WriteAsync();
            }

            return Assignment();
        }

        // The trainer asks from within the attempt's span, in the trial's trace.
        S.TraceParent = AloraDiagnostics.TraceParentOf(Activity.Current) ?? S.TraceParent;
        using var activity = StartSpan(AloraTelemetry.Spans.ExperimentBeginAttempt);
        activity?.SetTag(AloraTelemetry.Tags.Attempt, S.Attempt + 1).SetTag(AloraTelemetry.Tags.Trainer, trainer);
        if (S.State == TrialState.Running && LoseAttempt("its trainer vanished unnoticed"))
        {
            await ChangedAsync($"failed: {S.Error}"); // one trainer lost too many
            await EndAttemptAsync(trainer, requeue: false);
            return null;
        }

        S.Attempt++;
        S.Lease = AttemptLease.New();
        S.ReportedSequence = 0;
        S.Trainer = trainer;
        S.LastTrainer = trainer;
        S.State = TrialState.Running;
        S.Attempts.Add($"attempt {S.Attempt} on {trainer}: started {DateTimeOffset.UtcNow:O}");
        await ChangedAsync($"attempt {S.Attempt} on {trainer}");
        return Assignment();
    }

    /// <inheritdoc />
    /// <remarks>
    /// Step losses and evaluations are stored with the next checkpoint, allocation round or state change (or after
    /// 1,000 unstored events), not one by one.
    /// Until then the trainer keeps them: the receipt says up to which event the stored state goes, and when this
    /// activation is missing events it had applied but not stored (its silo died, or a report was lost), it asks for
    /// them again, so the history has no holes.
    /// </remarks>
    public async Task<ProgressReceipt> ReportProgressAsync(int attempt, string lease, ImmutableList<TrialProgress> events)
    {
        if (IsStoppedAttempt(attempt, lease))
        {
            await EndAttemptAsync(S.LastTrainer, requeue: false); // a repeat: the scheduler may not have heard it yet
            return StoppedReceipt(); // ExperimentGrain.Stopping.cs
        }

        if (!IsCurrent(attempt, lease))
        {
            return ProgressReceipt.Stale;
        }

        var persist = false;
        long? resendFrom = null;
        var applied = ImmutableList.CreateBuilder<TrialProgress>();
        foreach (var e in events)
        {
            if (e.Sequence != 0)
            {
                if (e.Sequence <= S.ReportedSequence)
                {
                    continue; // applied already: a repeated report, or a resend that overlaps
                }

                if (e.Sequence > S.ReportedSequence + 1)
                {
                    resendFrom = S.ReportedSequence + 1;
                    LogMissingProgress(this.GetPrimaryKeyString(), attempt, resendFrom.Value, e.Sequence);
                    break;
                }

                S.ReportedSequence = e.Sequence;
            }

            persist |= Apply(e);
            applied.Add(e);
        }

        if (persist || S.ReportedSequence - _storedSequence >= MaxUnstoredEvents)
        {
            await WriteAsync();
        }

        var appliedEvents = applied.ToImmutable();
        Publish(appliedEvents, stateChanged: false);
        if (await DecideStoppingAsync(appliedEvents) is { } reason)
        {
            return await StopAsync(attempt, reason);
        }

        return new ProgressReceipt { Accepted = true, StoredSequence = _storedSequence, ResendFrom = resendFrom };
    }

    /// <inheritdoc />
    public async Task<bool> CompleteAsync(int attempt, string lease, TrialResult result)
    {
        if (Unreadable)
        {
            return false;
        }

        if (attempt == S.Attempt && S.State == TrialState.Completed && AttemptLease.Matches(S.Lease, lease))
        {
            await EndAttemptAsync(S.LastTrainer, requeue: false);
            return true; // a retried call whose first answer was lost
        }

        if (!IsCurrent(attempt, lease))
        {
            return false;
        }

        using var activity = StartSpan(AloraTelemetry.Spans.ExperimentComplete);
        activity?.SetTag(AloraTelemetry.Tags.Attempt, attempt);
        S.Result = result;
        S.State = TrialState.Completed;
        S.Error = null;
        S.Attempts.Add($"attempt {attempt}: completed {DateTimeOffset.UtcNow:O}");
        await ChangedAsync("completed");
        await EndAttemptAsync(S.Trainer ?? S.LastTrainer, requeue: false);
        return true;
    }

    /// <inheritdoc />
    public async Task<bool> FailAsync(int attempt, string lease, string reason, AttemptFailure kind)
    {
        if (Unreadable)
        {
            return false;
        }

        if (attempt == S.Attempt && S.State is TrialState.Queued or TrialState.Failed && S.Trainer is null && S.Error == reason
            && AttemptLease.Matches(S.Lease, lease))
        {
            await EndAttemptAsync(S.LastTrainer, S.State == TrialState.Queued);
            return S.State == TrialState.Queued; // a retried call whose first answer was lost
        }

        if (!IsCurrent(attempt, lease))
        {
            return false;
        }

        var ended = S.Trainer ?? S.LastTrainer;
        using var activity = StartSpan(AloraTelemetry.Spans.ExperimentFail);
        activity?.SetTag(AloraTelemetry.Tags.Attempt, attempt).SetTag(AloraTelemetry.Tags.Reason, reason);
        S.Error = reason;
        if (kind == AttemptFailure.Storage)
        {
            LoseAttempt(reason); // counted like a lost trainer: a result that can never be stored cannot loop for ever
        }
        else if (kind == AttemptFailure.Drained)
        {
            S.Trainer = null;
            S.InfrastructureRetries++;
            S.State = TrialState.Queued;
            S.Attempts.Add($"attempt {attempt}: released ({reason})");
        }
        else
        {
            S.Trainer = null;
            S.TrialFailures++;
            var retry = S.TrialFailures <= options.Value.MaxTrialRetries;
            S.State = retry ? TrialState.Queued : TrialState.Failed;
            S.Attempts.Add($"attempt {attempt}: failed ({reason})");
        }

        await ChangedAsync(S.State == TrialState.Failed ? $"failed: {reason}" : $"requeued: {reason}");
        activity?.SetTag(AloraTelemetry.Tags.State, AloraInstruments.StateName(S.State));
        await EndAttemptAsync(ended, S.State == TrialState.Queued);
        return S.State == TrialState.Queued;
    }

    /// <inheritdoc />
    public async Task OnTrainerLostAsync(string trainer, string reason)
    {
        if (S.State != TrialState.Running || S.Trainer != trainer)
        {
            return;
        }

        using var activity = StartSpan(AloraTelemetry.Spans.ExperimentTrainerLost);
        activity?.SetTag(AloraTelemetry.Tags.Attempt, S.Attempt)
            .SetTag(AloraTelemetry.Tags.Trainer, trainer)
            .SetTag(AloraTelemetry.Tags.Reason, reason);
        LoseAttempt(reason);
        await ChangedAsync(LostChange(reason));
    }

    /// <inheritdoc />
    public async Task<TrialStatus> CancelAsync()
    {
        if (Unreadable || S.Spec is null || S.State.IsFinal())
        {
            return Status();
        }

        var trainer = S.Trainer;
        S.State = TrialState.Cancelled;
        S.Trainer = null;
        S.Attempts.Add($"attempt {S.Attempt}: cancelled {DateTimeOffset.UtcNow:O}");
        await ChangedAsync("cancelled");
        if (trainer is not null)
        {
            var key = trainer.Split('@', 2)[0];
            await GrainFactory.GetGrain<ITrainerGrain>(key).CancelTrialAsync(this.GetPrimaryKeyString());
            await TryEndAttemptAsync(trainer, requeue: false);
        }

        return Status();
    }

    /// <inheritdoc />
    public Task<TrialStatus> GetStatusAsync() => Task.FromResult(Status());

    /// <inheritdoc />
    public Task<TrialDetails> GetDetailsAsync() => Task.FromResult(new TrialDetails
    {
        Spec = S.Spec ?? new TrialSpec { TrialId = this.GetPrimaryKeyString() },
        Status = Status(),
        Rounds = [.. S.Rounds],
        StepLosses = [.. S.StepLosses],
        Evaluations = [.. S.Evaluations],
        Attempts = [.. S.Attempts],
    });

    private TrialAssignment Assignment() => new() { Spec = S.Spec!, Attempt = S.Attempt, Lease = S.Lease ?? "" };

    /// <summary>
    /// True when <paramref name="attempt"/> is the running attempt and <paramref name="lease"/> its lease; a stale attempt
    /// and a wrong lease are logged (the second as a warning: nothing but a forged report carries one).
    /// </summary>
    private bool IsCurrent(int attempt, string lease)
    {
        if (S.State != TrialState.Running || attempt != S.Attempt)
        {
            LogStaleReport(this.GetPrimaryKeyString(), attempt, S.Attempt, S.State);
            return false;
        }

        if (!AttemptLease.Matches(S.Lease, lease))
        {
            LogWrongLease(this.GetPrimaryKeyString(), attempt);
            return false;
        }

        return true;
    }

    private TrialStatus Status()
    {
        if (Unreadable)
        {
            return new TrialStatus
            {
                TrialId = this.GetPrimaryKeyString(),
                SweepId = TrialIds.SweepOf(this.GetPrimaryKeyString()),
                State = TrialState.Unreadable,
                Error = S.UnreadableReason,
            };
        }

        return new TrialStatus
        {
            TrialId = this.GetPrimaryKeyString(),
            SweepId = S.Spec?.SweepId ?? "",
            Index = S.Spec?.Index ?? 0,
            Method = S.Spec?.Method ?? "",
            Seed = S.Spec?.Training.Seed ?? 0,
            SearchValues = S.Spec?.SearchValues ?? new Dictionary<string, string>(StringComparer.Ordinal),
            State = S.State,
            Attempt = S.Attempt,
            Trainer = S.Trainer,
            Step = S.StepLosses.Count,
            TotalSteps = S.TotalSteps,
            Loss = S.StepLosses.Count > 0 ? S.StepLosses[^1] : null,
            DevLoss = S.DevLoss,
            Rounds = S.Rounds.Count,
            RanksMoved = S.Rounds.Sum(r => r.Pruned.Count),
            Result = S.Result,
            Error = S.Error,
            InfrastructureRetries = S.InfrastructureRetries,
            TrialFailures = S.TrialFailures,
            UpdatedAt = S.UpdatedAt,
            Version = S.Version,
            ProgressSequence = S.ReportedSequence,
        };
    }

    private async Task WriteAsync()
    {
        await state.WriteStateAsync();
        _storedSequence = S.ReportedSequence;
    }

    private async Task ChangedAsync(string what)
    {
        S.UpdatedAt = DateTimeOffset.UtcNow;
        S.Version++;
        await WriteAsync();
        Count();
        LogStateChanged(this.GetPrimaryKeyString(), S.State, what);
        Publish([], stateChanged: true);
    }

    /// <summary>
    /// Sends a report's events (or a state change) with the trial's status to the sweep's coordinator in one call,
    /// without waiting for it but after the calls before it: calls in flight at the same time may arrive in any order,
    /// and watchers read the feed in order. Progress is best effort; a state change the coordinator did not acknowledge
    /// (it stores it before answering) is sent again a few times, with the newest status. What is still lost, the
    /// coordinator repairs by asking this grain (docs/state-format.md).
    /// </summary>
    private void Publish(ImmutableList<TrialProgress> progress, bool stateChanged)
    {
        if (progress.IsEmpty && !stateChanged)
        {
            return;
        }

        var update = new TrialUpdate { Progress = progress, Status = Status(), StateChanged = stateChanged };
        _published = PublishAfterAsync(_published, Coordinator(), update);
    }

    private async Task PublishAfterAsync(Task previous, ISweepCoordinatorGrain coordinator, TrialUpdate update)
    {
        await previous;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await coordinator.PublishAsync(update);
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                if (!update.StateChanged)
                {
                    return; // a watcher misses some lines; the next update carries the status
                }

                if (attempt == PublishRetries)
                {
                    LogPublishLost(this.GetPrimaryKeyString(), update.Status.State, attempt + 1, ex);
                    return;
                }
            }

            await Task.Delay(TimeSpan.FromSeconds(1 << attempt));
            update = update with { Status = Status() };
        }
    }

    private void Count()
    {
        instruments.OnTrialStateChanged(_counted, S.State);
        _counted = S.State;
    }

    /// <summary>A span of this trial, in its trace (<see cref="ExperimentState.TraceParent"/>), tagged with its id.</summary>
    private Activity? StartSpan(string name) =>
        AloraDiagnostics.Experiment.StartInTrace(name, S.TraceParent)?.SetTag(AloraTelemetry.Tags.TrialId, this.GetPrimaryKeyString());

    private ISweepCoordinatorGrain Coordinator() => GrainFactory.GetGrain<ISweepCoordinatorGrain>(S.Spec?.SweepId ?? "");

    [LoggerMessage(Level = LogLevel.Error, Message = "Trial {TrialId}: its stored state cannot be read, so it is reported as unreadable and never run or overwritten: {Reason}")]
    private partial void LogUnreadable(string trialId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trial {TrialId}: the progress reported since the last write was not written on deactivation ({Reason})")]
    private partial void LogUnwrittenProgress(string trialId, string reason, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trial {TrialId}: attempt {Attempt} reported event {Received} but events from {Missing} on were lost before they were stored; asked for them again")]
    private partial void LogMissingProgress(string trialId, int attempt, long missing, long received);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trial {TrialId}: its sweep's coordinator did not take an update (state {State}) after {Tries} tries; it will ask for the status when it needs it")]
    private partial void LogPublishLost(string trialId, TrialState state, int tries, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Trial {TrialId} is {State}: {What}")]
    private partial void LogStateChanged(string trialId, TrialState state, string what);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trial {TrialId}: rejected a report of attempt {Attempt}; the current attempt is {Current} and the trial is {State}")]
    private partial void LogStaleReport(string trialId, int attempt, int current, TrialState state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trial {TrialId}: rejected a report of the current attempt {Attempt} that does not carry its lease")]
    private partial void LogWrongLease(string trialId, int attempt);
}
