using System.Diagnostics;
using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Diagnostics;
using ALoRA.Abstractions.Grains;
using ALoRA.Abstractions.Trials;
using ALoRA.Grains.Diagnostics;
using ALoRA.Grains.Hosting;
using ALoRA.Grains.Security;
using ALoRA.Sweeps;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ALoRA.Grains.Sweeps;

/// <summary>
/// One sweep (key: sweep id): re-checks the spec the client parsed (<see cref="SweepDefinition"/>), resolves and checks
/// its files on this silo (docs/sweep-spec.md, "Paths and where they are read"), expands it, persists the trial list,
/// initialises every trial's experiment and queues the unfinished ones, in batches (SweepCoordinatorGrain.Creation.cs); keeps every trial's last status as a stored
/// view, from the initialisation and the state changes the experiments publish, and answers status from it
/// (SweepCoordinatorGrain.View.cs); cancels; streams the progress feed to watchers (SweepCoordinatorGrain.Watch.cs). A
/// rejected spec leaves nothing behind. When its stored state cannot be read, the grain still activates: status says so
/// (<see cref="SweepState.Unreadable"/> with the reason), and submit and cancel are refused without writing anything.
/// </summary>
public sealed partial class SweepCoordinatorGrain(
    [PersistentState("sweep", AloraStorageNames.State)] IPersistentState<SweepCoordinatorState> state,
    IOptions<AloraClusterOptions> options,
    IOptions<AllowedRootsOptions> allowedRoots,
    ILogger<SweepCoordinatorGrain> logger) : Grain, ISweepCoordinatorGrain
{
    private readonly SweepFeed _feed = new(options.Value.FeedCapacity);
    private readonly CoalescingWriter _writer = new(() => state.WriteStateAsync());

    private SweepCoordinatorState S => state.State;

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.UnreadableReason is { } reason)
        {
            LogUnreadable(this.GetPrimaryKeyString(), reason);
        }

        ResumeCreation();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Traced as <see cref="AloraTelemetry.Spans.SweepSubmit"/> under the caller's span (with activity propagation, the
    /// client's <c>alora.submit</c>); the experiments are initialised inside it, so each trial's trace starts here.
    /// </remarks>
    public async Task<SweepSubmitted> SubmitAsync(SweepDefinition definition)
    {
        using var activity = AloraDiagnostics.Sweep.StartActivity(AloraTelemetry.Spans.SweepSubmit);
        activity?.SetTag(AloraTelemetry.Tags.SweepId, this.GetPrimaryKeyString());
        try
        {
            var submitted = await SubmitCoreAsync(definition, activity);
            activity?.SetTag(AloraTelemetry.Tags.TrialCount, submitted.Trials)
                .SetTag(AloraTelemetry.Tags.Reused, submitted.Reused);
            return submitted;
        }
        catch (Exception ex)
        {
            activity.Fail(ex);
            throw;
        }
    }

    private async Task<SweepSubmitted> SubmitCoreAsync(SweepDefinition definition, Activity? activity)
    {
        var arrived = Stopwatch.GetTimestamp();
        ThrowIfUnreadable();
        ArgumentNullException.ThrowIfNull(definition);
        var root = options.Value.ResolvedDataRoot();
        SweepPlan plan;
        try
        {
            // No YAML here: the values are re-checked as they came, and the files are looked for where they are read.
            // File checks and the expansion (100,000 trials at most) run off the grain's scheduler.
            var roots = allowedRoots.Value.Roots;
            SweepSpec spec;
            (spec, plan) = await Task.Run(() =>
            {
                var read = SweepDefinitions.Read(definition, root);
                if (roots is not null)
                {
                    // Before the files are looked at: a path outside gets one answer, whether or not it exists.
                    AllowedRoots.Ensure(read, roots.Count > 0 ? roots : [root], AllowedRootsOptions.Setting);
                }

                SweepSpecValidator.EnsureFiles(read);
                return (read, SweepExpander.Expand(read));
            });
            await DTypeAdmission.CheckAsync(GrainFactory, spec); // before anything is stored or queued
            _estimates = await MemoryAdmission.CheckAsync(GrainFactory, spec, plan);
        }
        catch (SweepSpecException ex)
        {
            throw new ArgumentException(ex.Message);
        }

        var key = this.GetPrimaryKeyString();
        if (plan.SweepId != key)
        {
            throw new ArgumentException($"the spec describes sweep '{plan.SweepId}', not '{key}'");
        }

        var existing = S.IsSubmitted;
        if (existing && !IsSameSweep(plan))
        {
            throw new ArgumentException($"sweep '{key}' already exists with a different spec (or one whose paths resolve to other files); give the new one another id");
        }

        if (!existing)
        {
            S.Definition = definition;
            S.DataRoot = root;
            S.SpecHash = plan.SpecHash;
            S.Name = plan.Name;
            S.Metric = plan.Metric;
            S.Mode = plan.Mode.ToString().ToLowerInvariant();
            S.MaxConcurrentTrials = plan.MaxConcurrentTrials;
            S.TrialIds = [.. plan.Trials.Select(t => t.TrialId)];
            _trialSet = null;
            S.SubmittedAt = DateTimeOffset.UtcNow;
            S.Duplicates = plan.Duplicates;
        }

        S.Cancelled = false;
        if (!S.Creating)
        {
            // Stored as creating before any trial exists; a resubmission goes over every trial again (failed and
            // cancelled ones are queued again). A submit repeated while creating continues where it got to.
            S.Creating = true;
            S.Created = 0;
        }

        await _writer.WriteAsync();
        var creation = CreateTrials(plan);
        var wait = SubmitWait - Stopwatch.GetElapsedTime(arrived);
        var finished = creation.IsCompleted || (wait > TimeSpan.Zero && await Task.WhenAny(creation, Task.Delay(wait)) == creation);
        await (finished ? creation : Task.CompletedTask); // its error, if it failed
        var queued = S.TrialIds.Count(id => S.Trials.TryGetValue(id, out var t) && t.State == TrialState.Queued);
        activity?.SetTag(AloraTelemetry.Tags.Queued, queued);
        LogSubmitted(key, plan.Trials.Count, queued, _reused, finished ? plan.Trials.Count : _initialised);
        return new SweepSubmitted
        {
            SweepId = key, Trials = plan.Trials.Count, Duplicates = plan.Duplicates, Reused = _reused, Existing = existing,
            Creating = !finished, Created = finished ? plan.Trials.Count : _initialised,
        };
    }

    /// <inheritdoc />
    public async Task CancelAsync()
    {
        ThrowIfUnreadable();
        if (!S.IsSubmitted)
        {
            throw new KeyNotFoundException($"no sweep '{this.GetPrimaryKeyString()}'");
        }

        using var activity = AloraDiagnostics.Sweep.StartActivity(AloraTelemetry.Spans.SweepCancel);
        activity?.SetTag(AloraTelemetry.Tags.SweepId, this.GetPrimaryKeyString());
        S.Cancelled = true;
        S.Creating = false;
        await (_creation ?? Task.CompletedTask).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Current); // it stops at its next batch
        await _writer.WriteAsync();
        await GrainFactory.GetGrain<ISchedulerGrain>(SchedulerKeys.Default).CancelSweepAsync(this.GetPrimaryKeyString());
        // The experiments publish their change as well, but without waiting for it: a status read right after the
        // cancel returns must already show every trial cancelled, so the view takes the statuses the cancels return.
        var statuses = await Task.WhenAll(S.TrialIds.Select(id => GrainFactory.GetGrain<IExperimentGrain>(id).CancelAsync()));
        await TakeIntoViewAsync(statuses, feed: true);
        LogCancelled(this.GetPrimaryKeyString());
    }

    /// <summary>
    /// Whether <paramref name="plan"/> is the stored sweep: the same trials (their ids hash the resolved paths) and, for
    /// records that hold a definition, the same spec hash. Records written before the definition hold a hash over
    /// resolved paths, so only their trials are compared.
    /// </summary>
    private bool IsSameSweep(SweepPlan plan) =>
        S.TrialIds.SequenceEqual(plan.Trials.Select(t => t.TrialId), StringComparer.Ordinal) && (S.Definition is null || S.SpecHash == plan.SpecHash);

    private void ThrowIfUnreadable()
    {
        if (S.UnreadableReason is { } reason)
        {
            throw new InvalidOperationException(
                $"sweep '{this.GetPrimaryKeyString()}' cannot be changed: its stored state cannot be read ({reason}). Nothing was written; repair or delete that record first.");
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Sweep {SweepId}: its stored state cannot be read, so it is reported as unreadable and never overwritten: {Reason}")]
    private partial void LogUnreadable(string sweepId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep {SweepId} submitted: {Trials} trials ({Created} created so far), {Queued} queued, {Reused} finished trials reused")]
    private partial void LogSubmitted(string sweepId, int trials, int queued, int reused, int created);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep {SweepId} cancelled")]
    private partial void LogCancelled(string sweepId);
}
