using System.Collections.Immutable;
using ALoRA.Abstractions.Grains;
using ALoRA.Abstractions.Sweeps;
using ALoRA.Abstractions.Trials;
using Microsoft.Extensions.Logging;

namespace ALoRA.Grains.Experiments;

/// <content>
/// Early stopping across trials (docs/sweep-spec.md, "scheduler"): each evaluation a report brings is put to the sweep's
/// <see cref="IStoppingGrain"/>; on "stop" the trial ends <see cref="TrialState.Stopped"/> with the reason, keeping its
/// history and checkpoint, and the receipt tells the trainer to end the attempt and take the next trial.
/// </content>
public sealed partial class ExperimentGrain
{
    /// <summary>
    /// Asks the sweep's stopping grain about each evaluation among <paramref name="applied"/>, in order; the reason of the
    /// first "stop", or null. An evaluation at the trial's last planned step is recorded (the other trials are compared
    /// with it) but never stops it: it has trained to its end and completes. A stopping grain that cannot be reached
    /// costs this evaluation its decision (logged), not the report: the trial goes on to the next one.
    /// </summary>
    private async Task<string?> DecideStoppingAsync(ImmutableList<TrialProgress> applied)
    {
        if (S.Spec?.Stopping is not { } settings || !settings.TakesDecisions())
        {
            return null;
        }

        var stopping = GrainFactory.GetGrain<IStoppingGrain>(S.Spec.SweepId);
        foreach (var e in applied.Where(e => e.Kind == TrialProgressKind.Evaluation))
        {
            var value = (settings.Metric == "dev_accuracy" ? e.Metric : e.DevLoss) ?? double.NaN;
            StoppingDecision decision;
            try
            {
                decision = await stopping.ReportAsync(settings, S.Spec.TrialId, e.Step, value);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogStoppingUnreachable(S.Spec.TrialId, e.Step, ex);
                continue;
            }

            if (decision.Stop && (e.TotalSteps <= 0 || e.Step < e.TotalSteps))
            {
                return decision.Reason ?? $"stopped at step {e.Step}";
            }
        }

        return null;
    }

    /// <summary>
    /// Ends the running attempt's trial <see cref="TrialState.Stopped"/> and tells the scheduler that its slot is free
    /// (before answering, as a completion does: ExperimentGrain.Slots.cs); the receipt tells its trainer to stop.
    /// </summary>
    private async Task<ProgressReceipt> StopAsync(int attempt, string reason)
    {
        var ended = S.Trainer ?? S.LastTrainer;
        S.State = TrialState.Stopped;
        S.Trainer = null;
        S.Error = reason;
        S.Attempts.Add($"attempt {attempt}: {reason}");
        await ChangedAsync(reason);
        await EndAttemptAsync(ended, requeue: false);
        return StoppedReceipt();
    }

    /// <summary>True for a report of the attempt that was stopped (its lease included): a repeat gets the same answer.</summary>
    private bool IsStoppedAttempt(int attempt, string lease) =>
        S.State == TrialState.Stopped && attempt == S.Attempt && AttemptLease.Matches(S.Lease, lease);

    private ProgressReceipt StoppedReceipt() => new() { Accepted = true, StoredSequence = _storedSequence, Stop = true };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trial {TrialId}: the early-stopping decision for the evaluation at step {Step} could not be asked; the trial goes on")]
    private partial void LogStoppingUnreachable(string trialId, int step, Exception exception);
}
