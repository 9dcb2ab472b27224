using ALoRA.Abstractions.Trials;

namespace ALoRA.Grains.Simulation;

/// <summary>
/// The reports of one simulated attempt, in the real engine's shapes (the same <see cref="TrialProgress"/> kinds and
/// fields), and its result; keeps the best evaluation.
/// </summary>
internal sealed class SimulatedRun(TrialAssignment assignment, SimulatedTrialPlan plan, SimulatedLossCurve curve, Action<TrialProgress> progress, TimeProvider time)
{
    private double _bestDevLoss = double.PositiveInfinity;

    public void Report(TrialProgress p) => progress(p);

    /// <summary>Reports <paramref name="step"/>: the step, then (unless <paramref name="stepOnly"/>, as when a resumed attempt replays its history) its rounds and its evaluation.</summary>
    public void ReportStep(int step, bool stepOnly = false)
    {
        Report(Event(TrialProgressKind.Step, step) with
        {
            Loss = curve.TrainLoss(step),
            TokensPerSecond = plan.TokensPerStep / plan.StepSeconds,
        });
        if (stepOnly)
        {
            return;
        }

        for (var round = plan.RoundsThrough(step - 1) + 1; round <= plan.RoundsThrough(step); round++)
        {
            ReportRound(step, round);
        }

        if (plan.EvaluatesAt(step))
        {
            ReportEvaluation(step);
        }
    }

    public void ReportRound(int step, int round)
    {
        var devLoss = curve.RoundDevLoss(step, round);
        Report(Event(TrialProgressKind.AllocationRound, step) with
        {
            DevLoss = devLoss,
            Round = new AllocationRoundSummary
            {
                Round = round,
                Step = step,
                BaseCe = curve.Expected(0),
                RanksAfter = Allocation(),
                DevLoss = devLoss,
                ScoringSeconds = plan.RoundSeconds,
            },
        });
    }

    public void ReportEvaluation(int step)
    {
        var devLoss = curve.DevLoss(step);
        _bestDevLoss = Math.Min(_bestDevLoss, devLoss);
        Report(Event(TrialProgressKind.Evaluation, step) with { DevLoss = devLoss, Metric = SimulatedLossCurve.Metric(devLoss) });
    }

    public TrialResult Result(string adapterDirectory)
    {
        var testLoss = curve.TestLoss(plan.TotalSteps);
        var trainSeconds = plan.TotalSteps * plan.StepSeconds;
        return new TrialResult
        {
            Method = assignment.Spec.Method,
            DevMetric = SimulatedLossCurve.Metric(_bestDevLoss),
            TestMetric = SimulatedLossCurve.Metric(testLoss),
            DevLoss = _bestDevLoss,
            TestLoss = testLoss,
            InitialTrainableParameters = plan.AdapterParameters,
            FinalTrainableParameters = plan.AdapterParameters,
            FinalAllocation = Allocation(),
            Steps = plan.TotalSteps,
            AllocationRounds = plan.RoundSteps.Count,
            TrainSeconds = trainSeconds,
            WallSeconds = plan.AttemptSeconds(),
            TokensPerSecond = plan.TokensPerStep / plan.StepSeconds,
            AdapterDirectory = adapterDirectory,
        };
    }

    /// <summary>Ranks by module type (r x layers each): the simulated allocation keeps the uniform budget.</summary>
    private Dictionary<string, int> Allocation() =>
        assignment.Spec.Lora.TargetModules.Distinct(StringComparer.Ordinal)
            .ToDictionary(m => m, _ => assignment.Spec.Lora.R * plan.Layers, StringComparer.Ordinal);

    private TrialProgress Event(TrialProgressKind kind, int step) => new()
    {
        TrialId = assignment.Spec.TrialId,
        Attempt = assignment.Attempt,
        Kind = kind,
        Step = step,
        TotalSteps = plan.TotalSteps,
        Timestamp = time.GetUtcNow(),
    };
}
