using System.Collections.Concurrent;
using ALoRA.Abstractions.Sweeps;
using ALoRA.Abstractions.Trials;
using ALoRA.Grains.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ALoRA.Grains.Simulation;

/// <summary>
/// The <c>simulated</c> <see cref="ITrainingEngine"/> (<c>Alora:Simulation:Enabled</c>, docs/operations.md, "The simulated engine"): trains
/// nothing, but takes as long as the trial would on a device of <see cref="SimulationOptions.DeviceFlops"/>
/// (<see cref="SimulatedTimeModel"/>, divided by <see cref="SimulationOptions.TimeScale"/>) and reports what the real
/// engine reports, in its order (a step, the allocation rounds after it, its evaluation, its checkpoint), with losses
/// from <see cref="SimulatedLossCurve"/>. It writes small checkpoints through the trial's workspace, resumes from the
/// newest (the step count goes on, the history up to it is replayed as the real engine does), checkpoints and stops
/// when cancelled, and records each attempt (<see cref="SimulatedAttemptRecord"/>).
/// </summary>
public sealed partial class SimulatedTrainingEngine : ITrainingEngine
{
    private readonly SimulationOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    // Attempts running on each device of this engine (several with slots): they share its throughput.
    private readonly ConcurrentDictionary<string, int> _sharing = new(StringComparer.Ordinal);

    /// <summary>Creates the engine.</summary>
    /// <param name="options">The device and the time scale.</param>
    /// <param name="logger">Logs starts and results; null logs nothing.</param>
    /// <param name="timeProvider">Clock of the waits and timestamps (default: the system clock).</param>
    public SimulatedTrainingEngine(SimulationOptions options, ILogger<SimulatedTrainingEngine>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var invalid = new SimulationOptionsValidator().Validate(null, options);
        if (invalid.Failed)
        {
            throw new ArgumentException(invalid.FailureMessage, nameof(options));
        }

        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The plan of <paramref name="trial"/> with this engine's device: its model's config.json and its data folder's line counts are read (once per folder).</summary>
    /// <param name="trial">The trial.</param>
    public SimulatedTrialPlan Plan(TrialSpec trial)
    {
        ArgumentNullException.ThrowIfNull(trial);
        var (train, dev) = DataCounts(trial.Data);
        return SimulatedTimeModel.Plan(trial, ShapeOf(trial.Model), train, dev, _options);
    }

    /// <inheritdoc />
    public IReadOnlyList<string>? ComputableDTypes(string device) => ModelDTypes.All;

    /// <inheritdoc />
    public TrialResult Run(TrialAssignment assignment, TrialWorkspace workspace, string device, Action<TrialProgress> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(progress);
        cancellationToken.ThrowIfCancellationRequested();

        // The attempt's modelled time starts now: the engine's own bookkeeping (reading the plan and the newest
        // checkpoint, the record, replaying the history, writing checkpoints and the adapter) happens inside it, as a
        // real engine's file work is part of its load and checkpoint times, rather than after it.
        var clock = new SimulatedClock(_options.TimeScale, _options.ReportInterval, _time, cancellationToken);
        var started = _time.GetUtcNow();
        var spec = assignment.Spec;
        var plan = Plan(spec);
        var curve = new SimulatedLossCurve(spec);
        var resumed = NewestCheckpoint(workspace, plan.TotalSteps);
        var record = new SimulatedAttemptRecord
        {
            TrialId = spec.TrialId, Attempt = assignment.Attempt, Device = device, ProcessId = Environment.ProcessId, Started = started,
            StartStep = resumed, EndStep = resumed, TotalSteps = plan.TotalSteps, TrialSeconds = plan.AttemptSeconds(),
        };
        WriteRecord(workspace, record);
        LogStarting(spec.TrialId, assignment.Attempt, device, resumed, plan.TotalSteps, plan.AttemptSeconds(resumed));
        var run = new SimulatedRun(assignment, plan, curve, progress, _time);
        run.Report(TrialProgressMapping.Started(assignment, resumed, plan.TotalSteps, _time.GetUtcNow()));
        for (var step = 1; step <= resumed; step++)
        {
            run.ReportStep(step);
        }

        _sharing.AddOrUpdate(device, 1, (_, n) => n + 1);
        var done = resumed;
        double seconds = 0;
        double Cost(double solo) => solo * SimulatedTimeModel.SharingSlowdown(_sharing.GetValueOrDefault(device, 1), _options.Utilization, _options.SharedUtilization);
        // Simulated seconds after each step to the end, alone on the device: the clock's expected end (see SimulatedClock.End).
        var remaining = new double[plan.TotalSteps + 1];
        for (var step = plan.TotalSteps - 1; step >= 0; step--)
        {
            remaining[step] = remaining[step + 1] + plan.SecondsOf(step + 1);
        }

        try
        {
            seconds += Cost(plan.LoadSeconds);
            clock.End = seconds + Cost(remaining[resumed]);
            clock.WaitUntil(seconds);
            for (var step = resumed + 1; step <= plan.TotalSteps; step++)
            {
                clock.End = seconds + Cost(remaining[step - 1]);
                seconds += Cost(plan.StepSeconds);
                clock.WaitUntil(seconds);
                run.ReportStep(step, stepOnly: true);
                for (var round = plan.RoundsThrough(step - 1) + 1; round <= plan.RoundsThrough(step); round++)
                {
                    seconds += Cost(plan.RoundSeconds);
                    clock.WaitUntil(seconds);
                    run.ReportRound(step, round);
                }

                if (plan.EvaluatesAt(step))
                {
                    seconds += Cost(plan.EvaluationSeconds);
                    clock.WaitUntil(seconds);
                    run.ReportEvaluation(step);
                }

                if (plan.CheckpointsAt(step))
                {
                    // Written when the checkpoint's modelled time begins (the last one with the adapter), reported when it ends.
                    WriteCheckpoint(workspace, step, plan.TotalSteps);
                    if (step == plan.TotalSteps)
                    {
                        WriteAdapter(workspace, spec, plan);
                    }

                    seconds += Cost(plan.CheckpointSeconds);
                    clock.WaitUntil(seconds);
                    run.Report(new TrialProgress
                    {
                        TrialId = spec.TrialId, Attempt = assignment.Attempt, Kind = TrialProgressKind.Checkpoint, Step = step, TotalSteps = plan.TotalSteps,
                        Timestamp = _time.GetUtcNow(),
                    });
                }

                done = step;
            }

            if (!plan.CheckpointsAt(plan.TotalSteps))
            {
                WriteAdapter(workspace, spec, plan);
            }

            clock.WaitUntil(seconds, exact: true);
        }
        catch (OperationCanceledException)
        {
            if (done > resumed && !plan.CheckpointsAt(done))
            {
                WriteCheckpoint(workspace, done, plan.TotalSteps);
            }

            WriteRecord(workspace, record with { Ended = _time.GetUtcNow(), EndStep = done, SimulatedSeconds = seconds, Outcome = "cancelled" });
            LogCancelled(spec.TrialId, assignment.Attempt, done);
            throw;
        }
        catch (Exception) when (TryWriteRecord(workspace, record with { Ended = _time.GetUtcNow(), EndStep = done, SimulatedSeconds = seconds, Outcome = "failed" }))
        {
            throw; // never reached: the filter records the failure and lets the exception go on
        }
        finally
        {
            _sharing.AddOrUpdate(device, 0, (_, n) => n - 1);
        }

        var result = run.Result(workspace.AdapterDirectory);
        WriteRecord(workspace, record with { Ended = _time.GetUtcNow(), EndStep = done, SimulatedSeconds = seconds, Outcome = "completed" });
        LogFinished(spec.TrialId, assignment.Attempt, plan.TotalSteps, result.DevLoss, seconds);
        return result;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Simulated trial {TrialId} attempt {Attempt} on {Device}: starting at step {Step} of {TotalSteps}, {SimulatedSeconds} simulated seconds to go")]
    private partial void LogStarting(string trialId, int attempt, string device, int step, int totalSteps, double simulatedSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Simulated trial {TrialId} attempt {Attempt}: cancelled after step {Step} (checkpointed)")]
    private partial void LogCancelled(string trialId, int attempt, int step);

    [LoggerMessage(Level = LogLevel.Information, Message = "Simulated trial {TrialId} attempt {Attempt}: finished after {Steps} steps, best dev loss {DevLoss}, {SimulatedSeconds} simulated seconds")]
    private partial void LogFinished(string trialId, int attempt, int steps, double devLoss, double simulatedSeconds);
}
