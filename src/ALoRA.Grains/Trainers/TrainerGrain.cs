using System.Diagnostics;
using System.Threading.Channels;
using ALoRA.Abstractions.Diagnostics;
using ALoRA.Abstractions.Grains;
using ALoRA.Abstractions.Trials;
using ALoRA.Grains.Checkpoints;
using ALoRA.Grains.Diagnostics;
using ALoRA.Grains.Resilience;
using ALoRA.Grains.Training;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Registry;

namespace ALoRA.Grains.Trainers;

/// <summary>
/// One slot of one device of one silo (key <c>&lt;silo name&gt;/&lt;device&gt;</c> for slot 0,
/// <c>&lt;silo name&gt;/&lt;device&gt;#n</c> for slot n; <see cref="TrainerKeys"/>), placed on that silo. Asks the scheduler
/// for the slot's next assignment, takes an attempt from its experiment, runs it on the slot's dedicated thread and
/// pumps progress back on the grain scheduler (docs/engine-notes.md, Orleans). It reports only to the experiment: the
/// experiment, which owns the attempt, tells the scheduler when the attempt ended (docs/architecture.md, "Data flow").
/// The activation is kept alive while a trial runs; status and cancel calls interleave with the pump. Each attempt is one <see cref="AloraTelemetry.Spans.TrialAttempt"/> span in the
/// trial's trace (<see cref="TrialDispatch.TraceParent"/>: every attempt, on any silo, sits side by side under the
/// trial's first dispatch), current around the hand-out, on the device thread while the engine trains (so the engine's
/// spans nest under it) and around the pump's calls; steps, rounds and device time go to
/// <see cref="AloraInstruments"/>. A job belongs to the silo (<see cref="TrainerJobs"/>), not to the activation: if
/// Orleans replaces the activation while it trains, the next activation adopts the job and pumps on.
/// </summary>
[TrainerPlacement]
public sealed partial class TrainerGrain(
    DeviceWorkerPool workers,
    TrainerJobs jobs,
    ITrainingEngine engine,
    ICheckpointStore checkpoints,
    ILocalSiloDetails silo,
    ResiliencePipelineProvider<string> pipelines,
    AloraInstruments instruments,
    ILogger<TrainerGrain> logger) : Grain, ITrainerGrain
{
    // Transient failures of the calls to the scheduler and the experiment (a silo restarting, a timeout) are retried
    // with backoff; every call below is safe to repeat.
    private readonly ResiliencePipeline _calls = pipelines.GetPipeline(AloraResilience.GrainCalls);

    private TrainerJob? _job;
    private bool _pulling;
    private bool _draining;
    private bool _deactivating;

    private string Key => this.GetPrimaryKeyString();

    private string Identity => $"{Key}@{silo.SiloAddress.ToParsableString()}";

    private ISchedulerGrain Scheduler => GrainFactory.GetGrain<ISchedulerGrain>(SchedulerKeys.Default);

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (jobs.TryGet(Key, out var job))
        {
            // The previous activation was replaced while its job ran on the device: carry on with it.
            LogAdopting(Key, job.Assignment.Spec.TrialId, job.Assignment.Attempt);
            _job = job;
            DelayDeactivation(TimeSpan.FromDays(365));
            job.AttachPump();
            StartPump(job);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _deactivating = true;
        if (_job is { } job && !job.Pump.IsCompleted)
        {
            // Stop pumping (the batch in hand is reported first) and leave the job to the next activation.
            LogHandingOver(Key, job.Assignment.Spec.TrialId, reason.Description);
            job.DetachPump();
            try
            {
                await job.Pump.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <inheritdoc />
    public async Task StartAsync()
    {
        _draining = false;
        await PullAsync();
    }

    /// <inheritdoc />
    public Task WorkAvailableAsync() => PullAsync();

    /// <inheritdoc />
    public Task CancelTrialAsync(string trialId)
    {
        if (_job is { } job && job.Assignment.Spec.TrialId == trialId)
        {
            job.Stop(TrainerStopReason.Cancelled);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<string?> GetCurrentTrialAsync() => Task.FromResult(_job?.Assignment.Spec.TrialId);

    /// <inheritdoc />
    public async Task DrainAsync()
    {
        _draining = true;
        if (_job is { } job)
        {
            job.Stop(TrainerStopReason.Drained);
            await job.Pump;
        }
    }

    private async Task PullAsync()
    {
        if (_pulling || _job is not null || _draining || _deactivating)
        {
            return;
        }

        _pulling = true;
        // Asking for work belongs to no trial's trace, whatever made this trainer ask (a heartbeat, a wake-up sent from
        // another trial's trace): each attempt joins its own trial's trace below.
        AloraDiagnostics.LeaveTrace();
        try
        {
            while (_job is null && !_draining && !_deactivating)
            {
                // Grain references are made here, on the grain's scheduler: a retry runs its callback off it (Polly does
                // not continue on the captured context), where the grain's factory refuses to work.
                var scheduler = Scheduler;
                var key = Key;
                var identity = Identity;
                var dispatch = await _calls.ExecuteAsync(async _ => await scheduler.NextAssignmentAsync(key));
                if (dispatch is null)
                {
                    return;
                }

                var trialId = dispatch.TrialId;
                var experiment = GrainFactory.GetGrain<IExperimentGrain>(trialId);
                // The attempt's span is current from the hand-out on, so the experiment's spans of it nest under it.
                var span = AloraDiagnostics.Trainer.StartInTrace(AloraTelemetry.Spans.TrialAttempt, dispatch.TraceParent, nestUnderCurrent: false);
                TrialAssignment? assignment;
                try
                {
                    assignment = await _calls.ExecuteAsync(async _ => await experiment.BeginAttemptAsync(identity));
                }
                catch (Exception ex)
                {
                    span.Fail(ex);
                    span?.Dispose();
                    throw;
                }

                if (assignment is null)
                {
                    // Nothing to run (the trial is over): its experiment has told the scheduler, which freed the slot.
                    span?.SetTag(AloraTelemetry.Tags.TrialId, trialId).SetTag(AloraTelemetry.Tags.Outcome, "skipped").Dispose();
                    AloraDiagnostics.LeaveTrace();
                    continue;
                }

                Start(assignment, span);
            }
        }
        finally
        {
            _pulling = false;
        }
    }

    private void Start(TrialAssignment assignment, Activity? span)
    {
        var device = TrainerKeys.DeviceOf(Key);
        var workspace = new TrialWorkspace(checkpoints.TrialDirectory(assignment.Spec.TrialId));
        var channel = Channel.CreateUnbounded<TrialProgress>(new UnboundedChannelOptions { SingleWriter = true });
        var job = new TrainerJob(assignment, channel, workers.Stopping);
        job.Activity = span;
        span?.SetTag(AloraTelemetry.Tags.TrialId, assignment.Spec.TrialId)
            .SetTag(AloraTelemetry.Tags.SweepId, assignment.Spec.SweepId)
            .SetTag(AloraTelemetry.Tags.Method, assignment.Spec.Method)
            .SetTag(AloraTelemetry.Tags.Attempt, assignment.Attempt)
            .SetTag(AloraTelemetry.Tags.Trainer, Key)
            .SetTag(AloraTelemetry.Tags.Device, device);
        LogStarting(Key, assignment.Spec.TrialId, assignment.Attempt);
        DelayDeactivation(TimeSpan.FromDays(365));
        var trainer = Key;
        job.Training = workers.Get(TrainerKeys.WorkerOf(Key)).RunAsync(() =>
        {
            // Activity.Current does not flow to the device thread: make the attempt current here, so the engine's
            // spans (children of Activity.Current) nest under it.
            var outer = Activity.Current;
            Activity.Current = span;
            var busy = Stopwatch.StartNew();
            var counted = TimeSpan.Zero;
            try
            {
                return engine.Run(assignment, workspace, device, p =>
                {
                    if (p.Kind == TrialProgressKind.Started)
                    {
                        span?.SetTag(AloraTelemetry.Tags.ResumedFromStep, p.Step);
                    }

                    var now = busy.Elapsed;
                    instruments.OnDeviceBusy(device, trainer, (now - counted).TotalSeconds);
                    counted = now;
                    channel.Writer.TryWrite(p with { Sequence = ++job.LastSequence });
                }, job.Token);
            }
            finally
            {
                instruments.OnDeviceBusy(device, trainer, (busy.Elapsed - counted).TotalSeconds);
                Activity.Current = outer;
                channel.Writer.TryComplete();
            }
        });
        _job = job;
        jobs.Add(Key, job);
        StartPump(job);
    }

    /// <summary>Starts pumping <paramref name="job"/>'s progress, with its attempt span current: its reports and results are calls in the trial's trace.</summary>
    private void StartPump(TrainerJob job)
    {
        var previous = Activity.Current;
        Activity.Current = job.Activity;
        job.Pump = PumpAsync(job, job.PumpDetached);
        Activity.Current = previous;
    }

    private async Task PumpAsync(TrainerJob job, CancellationToken detached)
    {
        var experiment = GrainFactory.GetGrain<IExperimentGrain>(job.Assignment.Spec.TrialId);
        var attempt = job.Assignment.Attempt;
        var lease = job.Assignment.Lease;
        var batch = new List<TrialProgress>();
        while (true)
        {
            try
            {
                if (!await job.Channel.Reader.WaitToReadAsync(detached))
                {
                    break;
                }
            }
            catch (OperationCanceledException) when (detached.IsCancellationRequested)
            {
                return; // handed over to the next activation
            }

            batch.Clear();
            while (batch.Count < 256 && job.Channel.Reader.TryRead(out var p))
            {
                batch.Add(p);
            }

            if (job.Reason is TrainerStopReason.Stale or TrainerStopReason.Stopped)
            {
                continue; // nobody takes more of this attempt's progress
            }

            Measure(job, batch);
            job.Unstored.AddRange(batch);
            await ReportAsync(job, experiment, [.. batch]);
        }

        if (job.ReportFailed && job.Unstored.Count > 0 && job.Reason is not (TrainerStopReason.Stale or TrainerStopReason.Stopped))
        {
            // The last report did not get through: send what is not stored yet before the result (applied events are skipped).
            await ReportAsync(job, experiment, [.. job.Unstored]);
        }

        // The experiment, told how the attempt ended, tells the scheduler (the slot is free, the trial requeued or
        // finished) before it answers; so when this slot asks for its next assignment, the scheduler knows.
        try
        {
            var result = await job.Training!;
            job.Outcome = "completed";
            await _calls.ExecuteAsync(async _ => await experiment.CompleteAsync(attempt, lease, result));
        }
        catch (OperationCanceledException) when (job.Reason != TrainerStopReason.None)
        {
            job.Outcome = job.Reason.ToString().ToLowerInvariant();
            if (job.Reason == TrainerStopReason.Drained)
            {
                await _calls.ExecuteAsync(async _ => await experiment.FailAsync(attempt, lease, "its trainer was drained", AttemptFailure.Drained));
            }
        }
        catch (TrialStorageException ex)
        {
            // The trial trained; its result could not be stored: not the trial's fault (docs/operations.md).
            job.Outcome = "failed";
            job.Activity.Fail(ex);
            LogTrainingFailed(Key, job.Assignment.Spec.TrialId, ex.Message);
            await _calls.ExecuteAsync(async _ => await experiment.FailAsync(attempt, lease, ex.Message, AttemptFailure.Storage));
        }
        catch (Exception ex)
        {
            job.Outcome = "failed";
            job.Activity.Fail(ex);
            LogTrainingFailed(Key, job.Assignment.Spec.TrialId, ex.Message);
            await _calls.ExecuteAsync(async _ => await experiment.FailAsync(attempt, lease, $"{ex.GetType().Name}: {ex.Message}", AttemptFailure.Training));
        }
        finally
        {
            _job = null;
            jobs.Remove(Key, job);
            instruments.OnAttemptEnded(job.Assignment.Spec.TrialId, attempt);
            job.Dispose();
            DelayDeactivation(TimeSpan.FromSeconds(-1));

            // A stale attempt may also have finished training before it learned it was stale.
            job.Activity?.SetTag(AloraTelemetry.Tags.Outcome, job.Reason == TrainerStopReason.Stale ? "stale" : job.Outcome).Dispose();
        }

        if (!_draining && !_deactivating)
        {
            _ = PullAsync();
        }
    }

    /// <summary>Reports a batch's steps and rounds to the instruments; the replayed history of a resumed attempt is not measured again.</summary>
    private void Measure(TrainerJob job, List<TrialProgress> batch)
    {
        var spec = job.Assignment.Spec;
        foreach (var p in batch)
        {
            switch (p.Kind)
            {
                case TrialProgressKind.Started:
                    job.ResumedFrom = p.Step;
                    break;
                case TrialProgressKind.Step when p.Step > job.ResumedFrom:
                    instruments.OnStep(spec.TrialId, job.Assignment.Attempt, spec.Method, TrainerKeys.DeviceOf(Key), p.Loss, p.TokensPerSecond);
                    break;
                case TrialProgressKind.AllocationRound when p.Round is { } round:
                    instruments.OnAllocationRound(spec.TrialId, job.Assignment.Attempt, spec.Method, round.RanksAfter.Values.Sum(),
                        p.Step > job.ResumedFrom ? round.ScoringSeconds : double.NaN);
                    break;
            }
        }
    }
}
