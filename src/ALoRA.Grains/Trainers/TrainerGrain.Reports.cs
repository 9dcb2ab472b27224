using System.Collections.Immutable;
using ALoRA.Abstractions.Grains;
using ALoRA.Abstractions.Trials;

namespace ALoRA.Grains.Trainers;

/// <content>Progress reports and their receipts.</content>
public sealed partial class TrainerGrain
{
    // A report whose receipt asks for lost events is followed at once by the resend; more than this in a row means the
    // experiment keeps losing them (its silo restarting over and over), and the next report tries again.
    private const int MaxResendsPerReport = 3;

    /// <summary>
    /// Reports <paramref name="events"/> and acts on the receipt: forgets what the experiment stored, sends again what it
    /// lost (<see cref="ProgressReceipt.ResendFrom"/>), and stops the job when the attempt is no longer current. A report
    /// that fails after its retries is logged; its events stay in <see cref="TrainerJob.Unstored"/> and reach the
    /// experiment with a later report (which will find them missing and ask for them).
    /// </summary>
    private async Task ReportAsync(TrainerJob job, IExperimentGrain experiment, ImmutableList<TrialProgress> events)
    {
        var attempt = job.Assignment.Attempt;
        var lease = job.Assignment.Lease;
        try
        {
            for (var resends = 0; ; resends++)
            {
                var receipt = await _calls.ExecuteAsync(async _ => await experiment.ReportProgressAsync(attempt, lease, events));
                job.ReportFailed = false;
                if (!receipt.Accepted)
                {
                    LogStale(Key, job.Assignment.Spec.TrialId, attempt);
                    job.Stop(TrainerStopReason.Stale);
                    return;
                }

                job.Unstored.RemoveAll(e => e.Sequence <= receipt.StoredSequence);
                if (receipt.Stop)
                {
                    // Early stopping across trials: the trial is stopped for good; end the attempt and take the next one.
                    LogStoppedEarly(Key, job.Assignment.Spec.TrialId, attempt);
                    job.Stop(TrainerStopReason.Stopped);
                    return;
                }

                if (receipt.ResendFrom is not { } from || resends == MaxResendsPerReport)
                {
                    return;
                }

                events = [.. job.Unstored.Where(e => e.Sequence >= from)];
                LogResending(Key, job.Assignment.Spec.TrialId, attempt, from, events.Count);
                if (events.IsEmpty)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            job.ReportFailed = true;
            LogReportFailed(Key, job.Assignment.Spec.TrialId, ex.Message);
        }
    }
}
