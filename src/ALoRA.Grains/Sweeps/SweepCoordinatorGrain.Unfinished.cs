using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Trials;

namespace ALoRA.Grains.Sweeps;

/// <summary>The sweep's unfinished trials, for the scheduler rebuilding its queue (docs/state-format.md).</summary>
public sealed partial class SweepCoordinatorGrain
{
    /// <inheritdoc />
    public async Task<UnfinishedTrials> GetUnfinishedAsync()
    {
        var key = this.GetPrimaryKeyString();
        if (S.UnreadableReason is not null || !S.IsSubmitted)
        {
            return new UnfinishedTrials { SweepId = key };
        }

        var sweep = new UnfinishedTrials { SweepId = key, SubmittedAt = S.SubmittedAt, MaxConcurrentTrials = S.MaxConcurrentTrials };
        if (S.Cancelled)
        {
            return sweep;
        }

        await RepairOnceAsync(); // the trials' own states, asked once after this activation
        return sweep with
        {
            TrialIds = [.. S.TrialIds.Where(id => S.Trials.TryGetValue(id, out var t) && t.State is TrialState.Queued or TrialState.Running)],
        };
    }
}
