using System.Text.RegularExpressions;
using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Grains;
using ALoRA.Grains.Hosting;
using ALoRA.Grains.Storage;
using ALoRA.Sweeps;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace ALoRA.Grains.Scheduling;

/// <summary>
/// Rebuilding the scheduler's sweep list and queue when its own record is lost (docs/state-format.md, "The scheduler's
/// record lost or unreadable"). An unreadable record is first set aside (renamed with a suffix, never overwritten or
/// deleted), so the grain starts from no record. With no record, the sweeps are found by listing the stored sweep
/// records (each sweep's record is the one owner of its existence), and each sweep's coordinator gives its trials that
/// are queued or running, by their experiments' own states, in sweep order; they are queued again in the order the
/// sweeps were submitted. It runs in the background, so trainers and submissions are served meanwhile.
/// </summary>
public sealed partial class SchedulerGrain
{
    // Where the coordinators' records are (docs/state-format.md, "Where"): state name and grain type.
    private const string SweepStateName = "sweep";
    private const string SweepGrainType = "sweepcoordinator";
    private const string SchedulerStateName = "scheduler";

    private static readonly Regex SweepId = new(SpecSchema.IdPattern, RegexOptions.CultureInvariant);

    private string? _setAside;

    private IStoredGrainRecords? Records => ServiceProvider.GetKeyedService<IGrainStorage>(AloraStorageNames.State) as IStoredGrainRecords;

    /// <summary>Moves the unreadable record aside and reads again (no record now); false when the storage cannot.</summary>
    private async Task<bool> SetAsideAsync(string reason, CancellationToken cancellationToken)
    {
        if (Records is not { } records)
        {
            return false;
        }

        try
        {
            var where = await records.SetAsideAsync(SchedulerStateName, this.GetGrainId(), $".unreadable-{DateTimeOffset.UtcNow:yyyyMMddTHHmmssfffZ}", cancellationToken);
            await state.ReadStateAsync(cancellationToken);
            _setAside = $"its stored state could not be read ({reason}); that record was kept as '{where}'";
            LogSetAside(reason, where ?? "(gone)");
            return state.State.UnreadableReason is null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or Orleans.Storage.InconsistentStateException)
        {
            LogSetAsideFailed(reason, ex);
            return false;
        }
    }

    private void StartRebuild() => RebuildAsync().Ignore();

    private async Task RebuildAsync()
    {
        var why = _setAside ?? "it had no stored state";
        try
        {
            var keys = Records is { } records
                ? (await records.ListKeysAsync(SweepStateName, SweepGrainType, CancellationToken.None)).Where(k => SweepId.IsMatch(k)).ToList()
                : [];
            if (keys.Count == 0 && _setAside is null)
            {
                return; // a new cluster: nothing was lost
            }

            var sweeps = await Task.WhenAll(keys.Select(UnfinishedAsync));
            var running = _slots.Running.ToHashSet(StringComparer.Ordinal);
            var queued = 0;
            foreach (var sweep in sweeps.OrderBy(s => s.SubmittedAt).ThenBy(s => s.SweepId, StringComparer.Ordinal))
            {
                if (!state.State.Sweeps.Contains(sweep.SweepId))
                {
                    state.State.Sweeps.Add(sweep.SweepId);
                }

                queued += sweep.TrialIds.Count(id => !running.Contains(id) && _queue.Enqueue(sweep.SweepId, id, sweep.MaxConcurrentTrials));
            }

            state.State.Rebuilt = $"{DateTimeOffset.UtcNow:O}: {why}; the sweep list and queue were rebuilt from {keys.Count} stored sweep records ({queued} trials queued again)";
            await SaveAsync();
            LogRebuilt(why, keys.Count, queued);
            WakeWaitingTrainers();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogRebuildFailed(why, ex);
        }
    }

    private async Task<UnfinishedTrials> UnfinishedAsync(string sweepId)
    {
        try
        {
            return await GrainFactory.GetGrain<ISweepCoordinatorGrain>(sweepId).GetUnfinishedAsync();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogSweepUnanswered(sweepId, ex);
            return new UnfinishedTrials { SweepId = sweepId };
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The scheduler's stored state cannot be read ({Reason}); it was set aside as {Where} and the queue is rebuilt from the sweeps' records")]
    private partial void LogSetAside(string reason, string where);

    [LoggerMessage(Level = LogLevel.Error, Message = "The scheduler's unreadable stored state ({Reason}) could not be set aside")]
    private partial void LogSetAsideFailed(string reason, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The scheduler rebuilt its sweep list and queue ({Why}): {Sweeps} sweep records, {Queued} trials queued again")]
    private partial void LogRebuilt(string why, int sweeps, int queued);

    [LoggerMessage(Level = LogLevel.Error, Message = "The scheduler could not rebuild its queue ({Why}); submitting each sweep again queues its unfinished trials")]
    private partial void LogRebuildFailed(string why, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweep {SweepId} did not say which of its trials are unfinished; submit it again to queue them")]
    private partial void LogSweepUnanswered(string sweepId, Exception exception);
}
