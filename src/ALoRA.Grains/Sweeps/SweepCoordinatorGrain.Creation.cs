using System.Collections.Immutable;
using System.Diagnostics;
using ALoRA.Abstractions.Grains;
using ALoRA.Abstractions.Trials;
using ALoRA.Sweeps;
using Microsoft.Extensions.Logging;

namespace ALoRA.Grains.Sweeps;

/// <summary>
/// Creating a sweep's trials (docs/state-format.md, "A sweep being created"): the sweep is stored as creating first;
/// its experiments are initialised <see cref="CreationBatch"/> at a time, in sweep order, and the queued ones are handed
/// to the scheduler every <see cref="StoreEvery"/> (or <see cref="EnqueueEvery"/> trials), each time followed by a write
/// of the record with how far creation got (<see cref="SweepCoordinatorState.Created"/>), so a stored count never runs
/// ahead of the queue. A submit waits at most <see cref="SubmitWait"/> for it and answers, the rest is created in the
/// background; a repeated submit joins it, and an activation that finds the record still creating (its silo died)
/// continues from the stored count (experiments are initialised idempotently). Until it ends the sweep's state is
/// <see cref="Abstractions.Coordination.SweepState.Creating"/>, never completed.
/// </summary>
public sealed partial class SweepCoordinatorGrain
{
    /// <summary>Experiments initialised at once.</summary>
    internal const int CreationBatch = 500;

    /// <summary>Queued trials handed to the scheduler once this many have gathered (or <see cref="StoreEvery"/> passed).</summary>
    internal const int EnqueueEvery = 20_000;

    /// <summary>How long after it arrived a submit answers at the latest, leaving the rest of its trials to the background (calls time out after 30 s, a submit after 2 minutes).</summary>
    internal static readonly TimeSpan SubmitWait = TimeSpan.FromSeconds(15);

    /// <summary>How often creation hands its queued trials to the scheduler and stores how far it got.</summary>
    internal static readonly TimeSpan StoreEvery = TimeSpan.FromSeconds(5);

    private Task? _creation;

    // Each trial's estimated memory from the last submit's check (MemoryAdmission), handed to the scheduler with the
    // trial; null when none was made (no device registered its memory, or creation resumed after a restart).
    private Dictionary<string, long>? _estimates;

    // Trials of the running creation initialised so far (in sweep order), and how many of them were finished already.
    private int _initialised;
    private int _reused;

    private bool CreatingNow => _creation is { IsCompleted: false };

    /// <summary>Starts creating the trials of <paramref name="plan"/> from the stored count on, or joins the creation under way.</summary>
    private Task CreateTrials(SweepPlan plan)
    {
        if (CreatingNow)
        {
            return _creation!;
        }

        _reused = 0;
        _creation = CreateTrialsAsync(plan);
        _ = _creation.ContinueWith(
            t => LogCreationFailed(this.GetPrimaryKeyString(), S.Created, t.Exception!.GetBaseException()),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Current);
        return _creation;
    }

    /// <summary>On activation: a record still creating (its silo went away meanwhile) continues in the background.</summary>
    private void ResumeCreation()
    {
        if (!S.Creating || S.Cancelled || S.Definition is null || S.UnreadableReason is not null)
        {
            return;
        }

        SweepPlan plan;
        try
        {
            plan = SweepExpander.Expand(SweepDefinitions.Read(S.Definition, S.DataRoot ?? options.Value.ResolvedDataRoot()));
        }
        catch (SweepSpecException ex)
        {
            LogCreationFailed(this.GetPrimaryKeyString(), S.Created, ex);
            return;
        }

        LogCreationResumed(this.GetPrimaryKeyString(), S.Created, plan.Trials.Count);
        CreateTrials(plan);
    }

    private async Task CreateTrialsAsync(SweepPlan plan)
    {
        var key = this.GetPrimaryKeyString();
        var scheduler = GrainFactory.GetGrain<ISchedulerGrain>(SchedulerKeys.Default);
        var pending = ImmutableList.CreateBuilder<string>();
        var sinceStored = Stopwatch.StartNew();
        _initialised = S.Created;
        if (plan.Trials.Count - _initialised > CreationBatch)
        {
            await scheduler.EnqueueAsync(key, [], S.MaxConcurrentTrials, null, DTypeOf(plan)); // lists the sweep (alora status) before its first trials are queued
        }

        while (_initialised < plan.Trials.Count && !S.Cancelled)
        {
            var batch = plan.Trials.Skip(_initialised).Take(CreationBatch).ToList();
            var statuses = await Task.WhenAll(batch.Select(t => GrainFactory.GetGrain<IExperimentGrain>(t.TrialId).InitializeAsync(t)));
            foreach (var status in statuses)
            {
                Take(status);
            }

            pending.AddRange(statuses.Where(s => s.State == TrialState.Queued).Select(s => s.TrialId));
            _reused += statuses.Count(s => s.State is TrialState.Completed or TrialState.Stopped);
            _initialised += batch.Count;
            var done = _initialised == plan.Trials.Count;
            if ((done || sinceStored.Elapsed >= StoreEvery || pending.Count >= EnqueueEvery) && !S.Cancelled)
            {
                await scheduler.EnqueueAsync(key, pending.ToImmutable(), S.MaxConcurrentTrials, EstimatesOf(pending), DTypeOf(plan));
                pending.Clear();
                S.Created = _initialised;
                S.Creating = !done;
                await _writer.WriteAsync();
                sinceStored.Restart();
                LogCreated(key, S.Created, plan.Trials.Count);
            }
        }
    }

    /// <summary>The sweep's <c>model.dtype</c> (one fixed value, carried by every trial), or null.</summary>
    private static string? DTypeOf(SweepPlan plan) => plan.Trials.Count == 0 ? null : plan.Trials[0].DType;

    private Dictionary<string, long>? EstimatesOf(IEnumerable<string> trialIds) => _estimates is not { } all ? null
        : trialIds.Where(all.ContainsKey).ToDictionary(id => id, id => all[id], StringComparer.Ordinal);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep {SweepId}: {Created} of {Trials} trials created and queued")]
    private partial void LogCreated(string sweepId, int created, int trials);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep {SweepId}: creating its trials again from trial {Created} of {Trials} (the previous activation did not finish)")]
    private partial void LogCreationResumed(string sweepId, int created, int trials);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sweep {SweepId}: creating its trials stopped after {Created}; submitting the sweep again continues")]
    private partial void LogCreationFailed(string sweepId, int created, Exception exception);
}
