using ALoRA.Abstractions.Trials;

namespace ALoRA.Grains.Experiments;

/// <summary>
/// The trial's history from its attempts' progress events: step losses, evaluations, allocation rounds and the lines of
/// the attempts history. A resumed attempt restarts from its checkpoint and replays that checkpoint's history, which
/// replaces what followed, so the history stays continuous.
/// </summary>
public sealed partial class ExperimentGrain
{
    /// <summary>Applies one event; true when it should be persisted now.</summary>
    private bool Apply(TrialProgress e)
    {
        S.TotalSteps = e.TotalSteps > 0 ? e.TotalSteps : S.TotalSteps;
        switch (e.Kind)
        {
            case TrialProgressKind.Started:
                // A resumed attempt restarts from its checkpoint: history after that step is replaced, so it stays continuous.
                Truncate(e.Step);
                if (e.Note is not null)
                {
                    S.Attempts.Add($"attempt {e.Attempt}: {e.Note}");
                }

                S.Attempts.Add(e.Step == 0 ? $"attempt {e.Attempt}: training from step 0" : $"attempt {e.Attempt}: resumed from the checkpoint at step {e.Step}");
                return true;
            case TrialProgressKind.Step:
                // Steps arrive in order; a resumed attempt replays its checkpoint's history first, which overwrites.
                while (S.StepLosses.Count < e.Step - 1)
                {
                    S.StepLosses.Add(double.NaN);
                }

                if (S.StepLosses.Count >= e.Step)
                {
                    S.StepLosses[e.Step - 1] = e.Loss ?? double.NaN;
                }
                else
                {
                    S.StepLosses.Add(e.Loss ?? double.NaN);
                }

                return false;
            case TrialProgressKind.Evaluation:
                S.Evaluations.RemoveAll(x => x.Step == e.Step);
                S.Evaluations.Add(e);
                S.DevLoss = e.DevLoss;
                return false;
            case TrialProgressKind.AllocationRound when e.Round is not null:
                S.Rounds.RemoveAll(r => r.Round == e.Round.Round);
                S.Rounds.Add(e.Round);
                S.DevLoss = e.DevLoss ?? S.DevLoss;
                return true;
            case TrialProgressKind.Checkpoint:
                return true;
            case TrialProgressKind.CheckpointFailed:
                S.Attempts.Add($"attempt {e.Attempt}: the checkpoint at step {e.Step} could not be written ({e.Note}); training goes on from the previous one");
                return true;
            default:
                return false;
        }
    }

    private void Truncate(int step)
    {
        if (S.StepLosses.Count > step)
        {
            S.StepLosses.RemoveRange(step, S.StepLosses.Count - step);
        }

        S.Evaluations.RemoveAll(x => x.Step > step);
        S.Rounds.RemoveAll(r => r.Step > step);
    }
}
