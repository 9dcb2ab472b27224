using System.Diagnostics;
using ALoRA.Engine.Allocation;
using ALoRA.Engine.Diagnostics;
using TorchSharp;

namespace ALoRA.Engine.Training;

/// <summary>The ALoRA loop of <see cref="SftTrainer"/> (docs/alora-method.md section 4): rounds of score, prune and reallocate.</summary>
public sealed partial class SftTrainer
{
    private AllocationPlan? _allocationPlan;
    private IAllocationMethod _method = new FixedRankMethod();

    /// <summary>The allocation settings of this run.</summary>
    public AllocationOptions Allocation { get; private set; } = new();

    /// <summary>The strategy that scores ranks in this run.</summary>
    public IAllocationMethod Method => _method;

    /// <summary>True while allocation rounds are still to come (the method observes training only then).</summary>
    private bool SearchActive => _allocationPlan is not null && State.AllocationHistory.Count < Allocation.Rounds;

    private void SetUpAllocation(AllocationOptions allocation)
    {
        allocation.Validate();
        Allocation = allocation;
        if (allocation.Method == AllocationMethod.Lora)
        {
            return;
        }

        var name = allocation.Method.ToName();

        var k1 = allocation.WarmupBeforeFirstRound.ToSteps(StepsPerEpoch);
        var k2 = allocation.BetweenRounds.ToSteps(StepsPerEpoch);
        if (k1 >= TotalSteps)
        {
            throw new ArgumentException(
                $"method {name}: k1 = {allocation.WarmupBeforeFirstRound} ({k1} steps at {StepsPerEpoch} steps per epoch) leaves no allocation round " +
                $"before training ends at step {TotalSteps}; shorten k1 or train longer");
        }

        var ranksPerRound = allocation.RanksPerRoundFor(_model);
        var active = _model.Adapters.Sum(a => a.Module.ActiveRank);
        if (ranksPerRound > active)
        {
            throw new ArgumentException($"ranks_per_round (n_A = {ranksPerRound}) exceeds the {active} active ranks of the model");
        }

        _allocationPlan = new AllocationPlan(k1, k2, ranksPerRound);
        _method = AllocationMethods.Create(allocation, _model, _data, _options);
    }

    private string AllocationFingerprint =>
        _allocationPlan is null ? _method.Fingerprint : $"{_method.Fingerprint};k1={_allocationPlan.FirstRoundStep};k2={_allocationPlan.Interval};rounds={Allocation.Rounds};n_a={_allocationPlan.RanksPerRound}";

    private void RunDueAllocationRounds(IProgress<TrainingEvent>? progress, CancellationToken cancellationToken)
    {
        while (_allocationPlan is not null && State.AllocationHistory.Count < Allocation.Rounds
               && State.Step == _allocationPlan.FirstRoundStep + (_allocationPlan.Interval * State.AllocationHistory.Count))
        {
            RunAllocationRound(progress, cancellationToken);
        }
    }

    private void RunAllocationRound(IProgress<TrainingEvent>? progress, CancellationToken cancellationToken)
    {
        var round = State.AllocationHistory.Count + 1;
        using var activity = EngineDiagnostics.Source.StartActivity(EngineDiagnostics.AllocationRoundSpan);
        activity?.SetTag(EngineDiagnostics.MethodTag, Allocation.Method.ToName())
            .SetTag(EngineDiagnostics.RoundTag, round)
            .SetTag(EngineDiagnostics.StepTag, State.Step);
        var sw = Stopwatch.StartNew();
        var batch = _data.ValidationBatch(Allocation.ValidationBatchSize, _options.Seed, Allocation.ResampleValidationBatch ? round : 0);
        var scores = _method.Score(batch, cancellationToken); // the round changes nothing before this returns

        var scoringSeconds = sw.Elapsed.TotalSeconds;
        var decision = RankAllocator.Decide(_model.Adapters.Select(a => (IReadOnlyList<bool>)a.Module.Gates).ToList(), scores.Ranks, _allocationPlan!.RanksPerRound, scores.Shortlist);
        using var generator = new torch.Generator().manual_seed((_options.Seed * 1000) + round);
        var result = AllocationApplier.Apply(_model, _optimizer, decision, generator);
        _method.OnReallocated(result);
        if (round == Allocation.Rounds)
        {
            _method.OnSearchFinished();
        }

        var devLoss = RoundDevLoss();
        var report = new AllocationRound(
            round,
            State.Step,
            scores.BaseCe,
            scores.Ranks,
            decision.Pruned.Select(p => $"{_model.Adapters[p.ModuleIndex].Path}[{p.Rank}]").ToList(),
            result.Modules.Where(m => m.Added > 0).ToDictionary(m => m.Path, m => m.Added),
            CurrentAllocation(),
            devLoss,
            scoringSeconds);
        activity?.SetTag(EngineDiagnostics.RanksScoredTag, scores.Ranks.Count)
            .SetTag(EngineDiagnostics.RanksPrunedTag, report.Pruned.Count)
            .SetTag(EngineDiagnostics.RanksAddedTag, report.Added.Values.Sum())
            .SetTag(EngineDiagnostics.ActiveRanksTag, report.RanksAfter.Values.Sum())
            .SetTag(EngineDiagnostics.DevLossTag, devLoss)
            .SetTag(EngineDiagnostics.ScoringSecondsTag, scoringSeconds);
        State.AllocationHistory.Add(report);
        progress?.Report(new TrainingEvent(TrainingEventKind.AllocationRound, State.Step, State.Epoch, TotalSteps, DevLoss: devLoss, Allocation: report));
    }

    private Dictionary<string, int> CurrentAllocation() =>
        _model.Adapters.ToDictionary(a => a.Path, a => a.Module.ActiveRank);

    private void EnsureAllocationRan()
    {
        if (_allocationPlan is not null && State.AllocationHistory.Count == 0)
        {
            throw new InvalidOperationException(
                $"method {_method.Name}: no allocation round ran (training stopped at step {State.Step}{(State.EarlyStopped ? " by early stopping" : "")}, " +
                $"before the first round at step {_allocationPlan.FirstRoundStep}); the trial would silently be plain LoRA — lower k1 or raise patience");
        }
    }

    private sealed record AllocationPlan(int FirstRoundStep, int Interval, int RanksPerRound);
}
