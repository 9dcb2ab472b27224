using System.Diagnostics;
using System.Threading.Channels;
using ALoRA.Abstractions.Trials;

namespace ALoRA.Grains.Trainers;

/// <summary>Why a trainer's job was stopped before it finished.</summary>
internal enum TrainerStopReason
{
    /// <summary>Not stopped.</summary>
    None,

    /// <summary>The trial was cancelled.</summary>
    Cancelled,

    /// <summary>The silo is stopping: checkpoint, release, requeue.</summary>
    Drained,

    /// <summary>Another attempt owns the trial now.</summary>
    Stale,

    /// <summary>The sweep's scheduler stopped the trial early (docs/sweep-spec.md, "scheduler"): checkpoint, release, next trial.</summary>
    Stopped,
}

/// <summary>
/// One attempt running on a device: the training on the device thread, the channel its progress goes through, and the
/// pump (on the owning trainer activation's scheduler) that reports it. Kept in <see cref="TrainerJobs"/>, so it
/// outlives the activation that started it: a trainer activation that Orleans replaces while the job runs hands the job
/// to its successor instead of orphaning it.
/// </summary>
internal sealed class TrainerJob(TrialAssignment assignment, Channel<TrialProgress> channel, CancellationToken siloStopping) : IDisposable
{
    private readonly CancellationTokenSource _cts = CancellationTokenSource.CreateLinkedTokenSource(siloStopping);
    private CancellationTokenSource _pumpOwner = new();

    public TrialAssignment Assignment { get; } = assignment;

    public Channel<TrialProgress> Channel { get; } = channel;

    /// <summary>Cancels the training (checked between steps).</summary>
    public CancellationToken Token => _cts.Token;

    public Task<TrialResult>? Training { get; set; }

    /// <summary>The current pump.</summary>
    public Task Pump { get; set; } = Task.CompletedTask;

    /// <summary>Cancelled when the pump's activation hands the job over (the pump then stops reading, the training goes on).</summary>
    public CancellationToken PumpDetached => _pumpOwner.Token;

    public TrainerStopReason Reason { get; private set; }

    /// <summary>The attempt's span (null when nobody listens).</summary>
    public Activity? Activity { get; set; }

    /// <summary>How the attempt ended (the span's outcome tag).</summary>
    public string Outcome { get; set; } = "failed";

    /// <summary>The step the attempt started from (its replayed history ends there).</summary>
    public int ResumedFrom { get; set; }

    /// <summary><see cref="TrialProgress.Sequence"/> of the last event the training produced (written on the device thread only).</summary>
    public long LastSequence { get; set; }

    /// <summary>
    /// Events reported (or being reported) that the experiment has not stored yet, in order: sent again when it asks
    /// (<see cref="ProgressReceipt.ResendFrom"/>), dropped once a receipt says they are stored.
    /// </summary>
    public List<TrialProgress> Unstored { get; } = [];

    /// <summary>True when the last report failed even after its retries.</summary>
    public bool ReportFailed { get; set; }

    public void Stop(TrainerStopReason reason)
    {
        if (Reason == TrainerStopReason.None)
        {
            Reason = reason;
        }

        _cts.Cancel();
    }

    /// <summary>Tells the current pump to let go (<see cref="PumpDetached"/>).</summary>
    public void DetachPump() => _pumpOwner.Cancel();

    /// <summary>A fresh <see cref="PumpDetached"/> for the pump of the activation that adopts the job.</summary>
    public void AttachPump()
    {
        _pumpOwner.Dispose();
        _pumpOwner = new CancellationTokenSource();
    }

    public void Dispose()
    {
        _cts.Dispose();
        _pumpOwner.Dispose();
    }
}
