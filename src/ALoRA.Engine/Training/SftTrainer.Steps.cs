using System.Diagnostics;
using ALoRA.Engine.Diagnostics;
using ALoRA.Engine.Lora;
using ALoRA.Engine.Runtime;
using static TorchSharp.torch;

namespace ALoRA.Engine.Training;

/// <summary>The step, evaluation and finish phases of <see cref="SftTrainer"/>.</summary>
public sealed partial class SftTrainer
{
    private void RunOneStep(IProgress<TrainingEvent>? progress, CancellationToken cancellationToken)
    {
        if (_epochPlanEpoch != State.Epoch)
        {
            _epochPlan = _data.Sampler.PlanEpoch(State.Epoch);
            _epochPlanEpoch = State.Epoch;
        }

        var batch = _data.TrainBatch(_epochPlan![State.BatchInEpoch]);
        var lr = _schedule.LearningRate(State.Step);
        var sw = Stopwatch.StartNew();
        double loss;
        using (var scope = NewDisposeScope())
        {
            loss = GradientPass.Run(_model, batch, _device, MicroBatchRows, _options.GradientCheckpointing);
            nn.utils.clip_grad_norm_(_optimizer.Parameters, _options.MaxGradNorm);
            if (SearchActive)
            {
                _method.OnGradients();
            }
        }

        if (!double.IsFinite(loss))
        {
            throw new InvalidOperationException($"training diverged: loss is {loss} at step {State.Step + 1} (epoch {State.Epoch}); lower learning_rate");
        }

        _optimizer.Step(lr);
        _optimizer.ZeroGrad();
        if (SearchActive)
        {
            _method.OnStepCompleted(State.Step + 1);
        }

        TorchRuntime.ReleaseFinalizableNativeObjects();
        sw.Stop();

        var tokens = batch.Lengths.Sum();
        State.Step++;
        State.BatchInEpoch++;
        State.StepLosses.Add(loss);
        State.TrainSeconds += sw.Elapsed.TotalSeconds;
        State.TokensProcessed += tokens;
        progress?.Report(new TrainingEvent(TrainingEventKind.Step, State.Step, State.Epoch, TotalSteps, loss, lr, tokens / sw.Elapsed.TotalSeconds, MemoryBytes: SampleMemory()));

        if (State.BatchInEpoch >= _epochPlan.Count)
        {
            progress?.Report(new TrainingEvent(TrainingEventKind.EpochEnd, State.Step, State.Epoch, TotalSteps));
            State.Epoch++;
            State.BatchInEpoch = 0;
        }

        FinishStep(progress, cancellationToken);
        if (_checkpointRoot is not null && _options.CheckpointEverySteps is { } every && State.Step % every == 0)
        {
            TrySaveCheckpoint(progress);
        }
    }

    /// <summary>
    /// The rest of a step after its optimizer update: the allocation rounds due at it, then the dev evaluation due at it.
    /// Each runs once (a round is due while fewer rounds ran than the step calls for, an evaluation while the step has
    /// none), so running it again, as a resumed run does first, is harmless. Only the rounds' scoring observes
    /// <paramref name="cancellationToken"/>, before a round changes anything.
    /// </summary>
    private void FinishStep(IProgress<TrainingEvent>? progress, CancellationToken cancellationToken)
    {
        RunDueAllocationRounds(progress, cancellationToken);
        if (DevEvaluationDue)
        {
            EvaluateDev(progress);
        }
    }

    /// <summary>True when the step calls for a dev evaluation that has not run yet.</summary>
    private bool DevEvaluationDue => (State.Step % _options.EvalEverySteps == 0 || State.Step >= TotalSteps) && State.LastEvaluatedStep != State.Step;

    private void EvaluateDev(IProgress<TrainingEvent>? progress)
    {
        // An allocation round at this step may have evaluated the same network already (RoundDevLoss).
        var (devLoss, metric) = _devAtStep is { } done && done.Step == State.Step ? (done.Loss, done.Metric) : Evaluate("dev", _data.Dev);
        _devAtStep = null;
        State.LastEvaluatedStep = State.Step;
        var evaluation = new TrainingEvent(TrainingEventKind.Evaluation, State.Step, State.Epoch, TotalSteps, DevLoss: devLoss, Metric: metric);
        State.Evaluations.Add(evaluation);
        if (devLoss < State.BestDevLoss || _best is null)
        {
            State.BestDevLoss = devLoss;
            State.BestStep = State.Step;
            State.BestDevMetric = metric;
            State.EvaluationsWithoutImprovement = 0;
            SetBest(AdapterWeights.Capture(_model, foldRelaxedGates: true));
        }
        else if (++State.EvaluationsWithoutImprovement >= _options.Patience)
        {
            State.EarlyStopped = true;
        }

        progress?.Report(evaluation);
    }

    private TrainingResult Finish(IProgress<TrainingEvent>? progress)
    {
        EnsureAllocationRan();
        _method.OnSearchFinished();
        if (State.LastEvaluatedStep != State.Step)
        {
            EvaluateDev(progress);
        }

        if (_best is not null)
        {
            AdapterWeights.Apply(_model, _best);
        }

        var finalParameters = AdapterWeights.ActiveParameterCount(_model);

        var (testLoss, testMetric) = Evaluate("test", _data.Test);
        progress?.Report(new TrainingEvent(TrainingEventKind.Test, State.Step, State.Epoch, TotalSteps, DevLoss: testLoss, Metric: testMetric));
        return new TrainingResult(
            State.Step, TotalSteps, State.EarlyStopped, State.BestStep, State.BestDevLoss, State.BestDevMetric, testLoss, testMetric,
            InitialTrainableParameters, finalParameters, State.TrainSeconds, _wall.Elapsed.TotalSeconds,
            State.TokensProcessed / Math.Max(1e-9, State.TrainSeconds), PeakMemoryBytes(),
            Allocation.Method, State.AllocationHistory.Count, CurrentAllocation());
    }

    /// <summary>
    /// The dev loss an allocation round reports, after its reallocation. When a dev evaluation is due at this step it
    /// runs here in full and <see cref="EvaluateDev"/> reuses it (nothing changes the network in between); otherwise
    /// only the loss is computed (the accuracy's candidate passes would double the cost of every round).
    /// </summary>
    private double RoundDevLoss()
    {
        if (!DevEvaluationDue)
        {
            _devAtStep = null;
            return Evaluate("dev", _data.Dev, lossOnly: true).Loss;
        }

        var (loss, metric) = Evaluate("dev", _data.Dev);
        _devAtStep = (State.Step, loss, metric);
        return loss;
    }

    /// <summary>Evaluates <paramref name="set"/> in an <see cref="EngineDiagnostics.EvaluateSpan"/> span.</summary>
    private (double Loss, double? Metric) Evaluate(string split, EvaluationSet set, bool lossOnly = false)
    {
        using var activity = EngineDiagnostics.Source.StartActivity(EngineDiagnostics.EvaluateSpan);
        var (loss, metric) = Evaluator.Evaluate(_model, set, _device, lossOnly);
        activity?.SetTag(EngineDiagnostics.SplitTag, split)
            .SetTag(EngineDiagnostics.StepTag, State.Step)
            .SetTag(EngineDiagnostics.LossTag, loss)
            .SetTag(EngineDiagnostics.MetricTag, metric);
        return (loss, metric);
    }
}
