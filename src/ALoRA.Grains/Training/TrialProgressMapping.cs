using ALoRA.Abstractions.Trials;
using ALoRA.Engine.Allocation;
using ALoRA.Engine.Training;

namespace ALoRA.Grains.Training;

/// <summary>
/// Maps the engine's <see cref="TrainingEvent"/>s, <see cref="AllocationRound"/>s and <see cref="TrainingResult"/> onto
/// the trial contracts (<see cref="TrialProgress"/>, <see cref="AllocationRoundSummary"/>, <see cref="TrialResult"/>).
/// Collections are copied, so nothing shares state with the trainer.
/// </summary>
public static class TrialProgressMapping
{
    /// <summary>The <see cref="TrialProgressKind.Started"/> event of an attempt that starts (or resumed) at <paramref name="step"/>.</summary>
    /// <param name="assignment">The trial and attempt.</param>
    /// <param name="step">Steps already done (0, or the resumed checkpoint's step).</param>
    /// <param name="totalSteps">Steps the schedule plans.</param>
    /// <param name="timestamp">When it happened.</param>
    /// <param name="note">The damaged checkpoints set aside first, if any (<see cref="TrialProgress.Note"/>).</param>
    public static TrialProgress Started(TrialAssignment assignment, int step, int totalSteps, DateTimeOffset timestamp, string? note = null)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        return new TrialProgress
        {
            TrialId = assignment.Spec.TrialId,
            Attempt = assignment.Attempt,
            Kind = TrialProgressKind.Started,
            Step = step,
            TotalSteps = totalSteps,
            Timestamp = timestamp,
            Note = note,
        };
    }

    /// <summary>
    /// The progress event of <paramref name="e"/>, or null for the engine events a trial does not report (epoch ends
    /// and the final test evaluation, whose numbers are in the result).
    /// </summary>
    /// <param name="e">The engine's event.</param>
    /// <param name="assignment">The trial and attempt.</param>
    /// <param name="timestamp">When it happened.</param>
    public static TrialProgress? ToProgress(TrainingEvent e, TrialAssignment assignment, DateTimeOffset timestamp)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(assignment);
        TrialProgressKind? kind = e.Kind switch
        {
            TrainingEventKind.Step => TrialProgressKind.Step,
            TrainingEventKind.Evaluation => TrialProgressKind.Evaluation,
            TrainingEventKind.AllocationRound => TrialProgressKind.AllocationRound,
            TrainingEventKind.Checkpoint => TrialProgressKind.Checkpoint,
            TrainingEventKind.CheckpointFailed => TrialProgressKind.CheckpointFailed,
            _ => null,
        };
        if (kind is null)
        {
            return null;
        }

        return new TrialProgress
        {
            TrialId = assignment.Spec.TrialId,
            Attempt = assignment.Attempt,
            Kind = kind.Value,
            Step = e.Step,
            TotalSteps = e.TotalSteps,
            Loss = e.Loss,
            DevLoss = e.DevLoss,
            Metric = e.Metric,
            TokensPerSecond = e.TokensPerSecond,
            Round = e.Allocation is null ? null : ToSummary(e.Allocation),
            Timestamp = timestamp,
            Note = e.Message,
        };
    }

    /// <summary>
    /// The history a resumed run carries in its checkpoint (every step's loss, every evaluation and allocation round
    /// up to the checkpoint), as events in training order, so the experiment's history is whole even when the
    /// attempt that wrote the checkpoint could not report all of it.
    /// </summary>
    /// <param name="state">The resumed trainer's state.</param>
    /// <param name="totalSteps">Steps the schedule plans.</param>
    /// <param name="assignment">The trial and attempt.</param>
    /// <param name="timestamp">When it happened.</param>
    public static IEnumerable<TrialProgress> Replay(TrainerState state, int totalSteps, TrialAssignment assignment, DateTimeOffset timestamp)
    {
        ArgumentNullException.ThrowIfNull(state);
        for (var step = 1; step <= state.StepLosses.Count; step++)
        {
            yield return new TrialProgress
            {
                TrialId = assignment.Spec.TrialId, Attempt = assignment.Attempt, Kind = TrialProgressKind.Step, Step = step,
                TotalSteps = totalSteps, Loss = state.StepLosses[step - 1], Timestamp = timestamp,
            };
            foreach (var round in state.AllocationHistory.Where(r => r.Step == step))
            {
                yield return new TrialProgress
                {
                    TrialId = assignment.Spec.TrialId, Attempt = assignment.Attempt, Kind = TrialProgressKind.AllocationRound, Step = step,
                    TotalSteps = totalSteps, DevLoss = round.DevLoss, Round = ToSummary(round), Timestamp = timestamp,
                };
            }

            foreach (var evaluation in state.Evaluations.Where(e => e.Step == step))
            {
                if (ToProgress(evaluation, assignment, timestamp) is { } p)
                {
                    yield return p;
                }
            }
        }
    }

    /// <summary>The contract form of an allocation round, every rank score included.</summary>
    /// <param name="round">The engine's round report.</param>
    public static AllocationRoundSummary ToSummary(AllocationRound round)
    {
        ArgumentNullException.ThrowIfNull(round);
        return new AllocationRoundSummary
        {
            Round = round.Round,
            Step = round.Step,
            BaseCe = round.BaseCe,
            Scores = [.. round.Scores.Select(ToImportance)],
            Pruned = [.. round.Pruned],
            Added = new Dictionary<string, int>(round.Added, StringComparer.Ordinal),
            RanksAfter = new Dictionary<string, int>(round.RanksAfter, StringComparer.Ordinal),
            DevLoss = round.DevLoss,
            ScoringSeconds = round.ScoringSeconds,
        };
    }

    /// <summary>One rank's score.</summary>
    /// <param name="score">The engine's score.</param>
    public static RankImportance ToImportance(RankScore score)
    {
        ArgumentNullException.ThrowIfNull(score);
        return new RankImportance
        {
            Module = score.ModulePath,
            Rank = score.Rank,
            Importance = score.Importance,
            CeWithout = score.CeWithout,
            CeOnly = score.CeOnly,
        };
    }

    /// <summary>The trial result of a finished run.</summary>
    /// <param name="result">The engine's result.</param>
    /// <param name="adapterDirectory">Where the adapter was exported, or null.</param>
    public static TrialResult ToResult(TrainingResult result, string? adapterDirectory)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new TrialResult
        {
            Method = result.Method.ToName(),
            DevMetric = result.DevMetric,
            TestMetric = result.TestMetric,
            DevLoss = result.BestDevLoss,
            TestLoss = result.TestLoss,
            InitialTrainableParameters = result.InitialTrainableParameters,
            FinalTrainableParameters = result.FinalTrainableParameters,
            FinalAllocation = new Dictionary<string, int>(result.FinalAllocation, StringComparer.Ordinal),
            Steps = result.Steps,
            AllocationRounds = result.AllocationRounds,
            TrainSeconds = result.TrainSeconds,
            WallSeconds = result.WallSeconds,
            TokensPerSecond = result.TokensPerSecond,
            PeakMemoryBytes = result.PeakMemoryBytes,
            AdapterDirectory = adapterDirectory,
        };
    }
}
