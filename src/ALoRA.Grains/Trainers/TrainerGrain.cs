using System.Threading.Channels;
using ALoRA.Abstractions.Grains;
using ALoRA.Abstractions.Trials;
using ALoRA.Grains.Checkpoints;
using ALoRA.Grains.Resilience;
using ALoRA.Grains.Training;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Polly;
using Polly.Registry;

namespace ALoRA.Grains.Trainers;

/// <summary>
/// One device of one silo (key <c>&lt;silo name&gt;/&lt;device&gt;</c>), placed on that silo. Pulls a trial from the
/// scheduler, takes an attempt from its experiment, runs it on the device's dedicated thread and pumps progress back
/// on the grain scheduler (orleans-facts.md section 4). The activation is kept alive while a trial runs; status and
/// cancel calls interleave with the pump.
/// </summary>
[TrainerPlacement]
public sealed partial class TrainerGrain(
    DeviceWorkerPool workers,
    ITrainingEngine engine,
    ICheckpointStore checkpoints,
    ILocalSiloDetails silo,
    ResiliencePipelineProvider<string> pipelines,
    ILogger<TrainerGrain> logger) : Grain, ITrainerGrain
{
    // Transient failures of the calls to the scheduler and the experiment (a silo restarting, a timeout) are retried
    // with backoff; every call below is safe to repeat.
    private readonly ResiliencePipeline _calls = pipelines.GetPipeline(AloraResilience.GrainCalls);

    private Job? _job;
    private bool _pulling;
    private bool _draining;

    private string Key => this.GetPrimaryKeyString();

    private string Identity => $"{Key}@{silo.SiloAddress.ToParsableString()}";

    private ISchedulerGrain Scheduler => GrainFactory.GetGrain<ISchedulerGrain>(SchedulerKeys.Default);

    /// <inheritdoc />
    public async Task StartAsync()
    {
        _draining = false;
        await Scheduler.RegisterTrainersAsync(silo.SiloAddress.ToParsableString(), [Key]);
        await PullAsync();
    }

    /// <inheritdoc />
    public Task WorkAvailableAsync() => PullAsync();

    /// <inheritdoc />
    public Task CancelTrialAsync(string trialId)
    {
        if (_job is { } job && job.Assignment.Spec.TrialId == trialId)
        {
            job.Stop(StopReason.Cancelled);
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
            job.Stop(StopReason.Drained);
            await job.Pump;
        }
    }

    private async Task PullAsync()
    {
        if (_pulling || _job is not null || _draining)
        {
            return;
        }

        _pulling = true;
        try
        {
            while (_job is null && !_draining)
            {
                var trialId = await _calls.ExecuteAsync(async _ => await Scheduler.RequestWorkAsync(Key));
                if (trialId is null)
                {
                    return;
                }

                var assignment = await _calls.ExecuteAsync(async _ => await GrainFactory.GetGrain<IExperimentGrain>(trialId).BeginAttemptAsync(Identity));
                if (assignment is null)
                {
                    await _calls.ExecuteAsync(async _ => await Scheduler.ReleaseAsync(Key, trialId, requeue: false));
                    continue;
                }

                Start(assignment);
            }
        }
        finally
        {
            _pulling = false;
        }
    }

    private void Start(TrialAssignment assignment)
    {
        var device = TrainerKeys.DeviceOf(Key);
        var workspace = new TrialWorkspace(checkpoints.TrialDirectory(assignment.Spec.TrialId));
        var channel = Channel.CreateUnbounded<TrialProgress>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var job = new Job(assignment, channel, workers.Stopping);
        LogStarting(Key, assignment.Spec.TrialId, assignment.Attempt);
        DelayDeactivation(TimeSpan.FromDays(365));
        job.Training = workers.Get(device).RunAsync(() =>
        {
            try
            {
                return engine.Run(assignment, workspace, device, p => channel.Writer.TryWrite(p), job.Token);
            }
            finally
            {
                channel.Writer.TryComplete();
            }
        });
        _job = job;
        job.Pump = PumpAsync(job);
    }

    private async Task PumpAsync(Job job)
    {
        var experiment = GrainFactory.GetGrain<IExperimentGrain>(job.Assignment.Spec.TrialId);
        var attempt = job.Assignment.Attempt;
        var batch = new List<TrialProgress>();
        while (await job.Channel.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < 256 && job.Channel.Reader.TryRead(out var p))
            {
                batch.Add(p);
            }

            if (job.Reason == StopReason.Stale)
            {
                continue;
            }

            try
            {
                if (!await _calls.ExecuteAsync(async _ => await experiment.ReportProgressAsync(attempt, batch)))
                {
                    LogStale(Key, job.Assignment.Spec.TrialId, attempt);
                    job.Stop(StopReason.Stale);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogReportFailed(Key, job.Assignment.Spec.TrialId, ex.Message);
            }
        }

        var requeue = false;
        try
        {
            var result = await job.Training!;
            await _calls.ExecuteAsync(async _ => await experiment.CompleteAsync(attempt, result));
        }
        catch (OperationCanceledException) when (job.Reason != StopReason.None)
        {
            if (job.Reason == StopReason.Drained)
            {
                requeue = await _calls.ExecuteAsync(async _ => await experiment.FailAsync(attempt, "its trainer was drained", infrastructure: true));
            }
        }
        catch (Exception ex)
        {
            LogTrainingFailed(Key, job.Assignment.Spec.TrialId, ex.Message);
            requeue = await _calls.ExecuteAsync(async _ => await experiment.FailAsync(attempt, $"{ex.GetType().Name}: {ex.Message}", infrastructure: false));
        }
        finally
        {
            _job = null;
            job.Dispose();
            DelayDeactivation(TimeSpan.FromSeconds(-1));
        }

        if (job.Reason != StopReason.Stale)
        {
            await _calls.ExecuteAsync(async _ => await Scheduler.ReleaseAsync(Key, job.Assignment.Spec.TrialId, requeue));
        }

        if (!_draining)
        {
            _ = PullAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Trainer {Trainer} starts trial {TrialId} (attempt {Attempt})")]
    private partial void LogStarting(string trainer, string trialId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trainer {Trainer}: trial {TrialId} attempt {Attempt} is stale (the trial moved on); stopping it")]
    private partial void LogStale(string trainer, string trialId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trainer {Trainer}: could not report progress of {TrialId}: {Error}")]
    private partial void LogReportFailed(string trainer, string trialId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trainer {Trainer}: training of {TrialId} failed: {Error}")]
    private partial void LogTrainingFailed(string trainer, string trialId, string error);

    private enum StopReason
    {
        None,
        Cancelled,
        Drained,
        Stale,
    }

    private sealed class Job(TrialAssignment assignment, Channel<TrialProgress> channel, CancellationToken siloStopping) : IDisposable
    {
        private readonly CancellationTokenSource _cts = CancellationTokenSource.CreateLinkedTokenSource(siloStopping);

        public TrialAssignment Assignment { get; } = assignment;

        public Channel<TrialProgress> Channel { get; } = channel;

        public CancellationToken Token => _cts.Token;

        public Task<TrialResult>? Training { get; set; }

        public Task Pump { get; set; } = Task.CompletedTask;

        public StopReason Reason { get; private set; }

        public void Stop(StopReason reason)
        {
            if (Reason == StopReason.None)
            {
                Reason = reason;
            }

            _cts.Cancel();
        }

        public void Dispose() => _cts.Dispose();
    }
}
