using ALoRA.Abstractions.Trials;

namespace ALoRA.Grains.Experiments;

/// <summary>
/// Attempts that lose their trainer: a trainer that vanished (its silo was killed, for example out of memory, or
/// restarted) is an infrastructure failure, retried at most <see cref="Hosting.AloraClusterOptions.MaxInfrastructureRetries"/>
/// times; the next loss fails the trial with the trainers it lost, so a trial that kills its silo cannot crash-loop the
/// cluster. A drained trainer's hand-back (its silo's orderly stop) is counted in
/// <see cref="ExperimentState.InfrastructureRetries"/> only, never toward the cap: a rolling restart never fails a trial.
/// </summary>
public sealed partial class ExperimentGrain
{
    /// <summary>
    /// Records that the running attempt lost its trainer: the trial is queued again, or failed when its run has lost
    /// more trainers than the cap allows. True when it failed.
    /// </summary>
    private bool LoseAttempt(string reason)
    {
        var lost = $"attempt {S.Attempt} on {S.Trainer}: {reason}";
        S.InfrastructureRetries++;
        S.LostAttempts.Add(lost);
        S.Attempts.Add($"attempt {S.Attempt} on {S.Trainer}: lost ({reason})");
        S.Trainer = null;
        var max = options.Value.MaxInfrastructureRetries;
        if (S.LostAttempts.Count <= max)
        {
            S.State = TrialState.Queued;
            return false;
        }

        S.State = TrialState.Failed;
        S.Error = $"its attempts kept losing their trainer ({S.LostAttempts.Count} lost, at most {max} retried, Alora:MaxInfrastructureRetries): "
            + string.Join("; ", S.LostAttempts);
        S.Attempts.Add($"attempt {S.Attempt}: failed ({S.LostAttempts.Count} attempts lost their trainer)");
        return true;
    }

    /// <summary>What the state change of <see cref="LoseAttempt"/> is logged as.</summary>
    private string LostChange(string reason) => S.State == TrialState.Failed ? $"failed: {S.Error}" : $"trainer lost: {reason}";
}
