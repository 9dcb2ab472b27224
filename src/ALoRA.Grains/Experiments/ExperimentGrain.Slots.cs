using ALoRA.Abstractions.Grains;
using Microsoft.Extensions.Logging;

namespace ALoRA.Grains.Experiments;

/// <summary>
/// The experiment, the one owner of its attempts, tells the scheduler when an attempt ended (docs/architecture.md,
/// "Data flow"): the attempt's slot is free, and the trial is requeued or finished. It does so before it answers the
/// trainer's call, so the slot's next request finds the slot free; a repeated call (its first answer lost) tells it again.
/// </summary>
public sealed partial class ExperimentGrain
{
    /// <summary>Tells the scheduler that the attempt on <paramref name="trainer"/> ended (nothing when there was none); a failure is thrown (the trainer's call is retried).</summary>
    private Task EndAttemptAsync(string? trainer, bool requeue) => trainer is null
        ? Task.CompletedTask
        : GrainFactory.GetGrain<ISchedulerGrain>(SchedulerKeys.Default).AttemptEndedAsync(this.GetPrimaryKeyString(), trainer, requeue);

    /// <summary>
    /// Like <see cref="EndAttemptAsync"/>, but a failure is logged only: the slot is then freed when its trainer asks for
    /// its next assignment, and the trial, dispatched again, is found over and finished.
    /// </summary>
    private async Task TryEndAttemptAsync(string? trainer, bool requeue)
    {
        try
        {
            await EndAttemptAsync(trainer, requeue);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogAttemptEndNotTold(this.GetPrimaryKeyString(), trainer ?? "", ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trial {TrialId}: the scheduler was not told that its attempt on {Trainer} ended; the slot is freed when that trainer asks for work")]
    private partial void LogAttemptEndNotTold(string trialId, string trainer, Exception exception);
}
