using ALoRA.Engine.Scoring;
using ALoRA.Engine.Tests.Training;
using ALoRA.Engine.Training;

namespace ALoRA.Engine.Tests.Scoring;

/// <summary>
/// A cancelled AB-LoRA scoring round stops within a forward pass or two, not at the end of the round (issue: a trainer
/// cancelled during a scoring round was freed only when the round ended, about 20 s later).
/// </summary>
public sealed class ScoringCancellationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("alora-score-cancel-").FullName;

    public ScoringCancellationTests() => Samples.EnsureTorch();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static TrainingOptions Options(int steps) => new()
    {
        BatchSize = 16, MaxSteps = steps, LearningRate = 5e-3, EvalEverySteps = 4, MaxSequenceLength = 64, Seed = 5,
    };

    private static AllocationOptions Alora() => new()
    {
        Method = AllocationMethod.Alora,
        WarmupBeforeFirstRound = ScheduleLength.Steps(3),
        BetweenRounds = ScheduleLength.Steps(3),
        Rounds = 2,
        ValidationBatchSize = 8,
    };

    [Fact]
    public void Fast_CancelledPartWay_StopsBeforeTheNextPass_AndLeavesTheModelAsItWas()
    {
        var options = Options(4);
        using var model = TrainingFixture.Model();
        var batch = TrainingFixture.Data(options, TrainingFixture.Sst2(dev: 32)).ValidationBatch(32, 5, 0);
        var gates = model.Adapters.Select(a => a.Module.Gates).ToList();

        // The whole round, counted here (the oracle of "well before the end").
        var passesOfARound = 0;
        ScoringSession.PassObserver.Value = n => passesOfARound = n;
        var full = AbLoraScorer.Fast(model, batch);
        Assert.True(passesOfARound > 20, $"a round of {passesOfARound} passes is too short to cancel part way");

        // Cancelled during pass 5 (by pass count, not by time, so a loaded machine cannot move it): pass 6 never starts.
        const int cancelAt = 5;
        using var cts = new CancellationTokenSource();
        var passesRun = 0;
        ScoringSession.PassObserver.Value = n =>
        {
            passesRun = n;
            if (n == cancelAt)
            {
                cts.Cancel();
            }
        };
        Assert.ThrowsAny<OperationCanceledException>(() => AbLoraScorer.Fast(model, batch, cancellationToken: cts.Token));
        ScoringSession.PassObserver.Value = null;
        Assert.Equal(cancelAt, passesRun);

        // Nothing of the cancelled round is left in the model: same gates, adapters on, the same scores again.
        Assert.Equal(gates, model.Adapters.Select(a => a.Module.Gates).ToList());
        Assert.All(model.Adapters, a => Assert.False(a.Module.AdapterDisabled));
        var again = AbLoraScorer.Fast(model, batch);
        Assert.Equal(full.BaseCe, again.BaseCe, 9);
        Assert.Equal(full.Ranks.Select(r => r.Importance), again.Ranks.Select(r => r.Importance), (a, b) => Math.Abs(a - b) < 1e-9);
    }

    [Fact]
    public void Reference_AlreadyCancelled_ThrowsBeforeAnyPass()
    {
        using var model = TrainingFixture.Model();
        var batch = TrainingFixture.Data(Options(4)).ValidationBatch(8, 5, 0);
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => AbLoraScorer.Reference(model, batch, cancellationToken: cts.Token));
        Assert.All(model.Adapters, a => Assert.False(a.Module.AdapterDisabled));
    }

    [Fact]
    public void Train_CancelledDuringAScoringRound_CheckpointsTheStep_AndTheResumedRunRunsTheRoundFirst_SameAsAStraightRun()
    {
        var options = Options(8) with { CheckpointEverySteps = 100 };
        double[] straightLosses;
        List<string> straightPruned;
        using (var model = TrainingFixture.Model())
        using (var trainer = new SftTrainer(model, TrainingFixture.Data(options), options, allocation: Alora()))
        {
            trainer.RunUntil(8);
            straightLosses = [.. trainer.State.StepLosses];
            straightPruned = trainer.State.AllocationHistory.SelectMany(r => r.Pruned).ToList();
        }

        var root = Path.Combine(_dir, "ckpt");
        using (var model = TrainingFixture.Model())
        using (var trainer = new SftTrainer(model, TrainingFixture.Data(options), options, root, Alora()))
        using (var cts = new CancellationTokenSource())
        {
            // Step 6 is the second round's step: its Step event comes before the round scores, so the round sees the cancellation.
            var events = new List<TrainingEvent>();
            var progress = new SynchronousProgress<TrainingEvent>(e =>
            {
                events.Add(e);
                if (e is { Kind: TrainingEventKind.Step, Step: 6 })
                {
                    cts.Cancel();
                }
            });
            Assert.ThrowsAny<OperationCanceledException>(() => trainer.RunUntil(8, progress, cts.Token));

            Assert.Equal(6, trainer.State.Step);
            Assert.Single(trainer.State.AllocationHistory); // the round of step 6 did not run
            Assert.Equal([6], events.Where(e => e.Kind == TrainingEventKind.Checkpoint).Select(e => e.Step));
        }

        using (var model = TrainingFixture.Model())
        using (var trainer = new SftTrainer(model, TrainingFixture.Data(options), options, root, Alora()))
        {
            Assert.EndsWith("checkpoint-00000006", trainer.ResumeNewestIntact().Checkpoint);
            trainer.RunUntil(8);

            Assert.Equal([3, 6], trainer.State.AllocationHistory.Select(r => r.Step));
            Assert.Equal(straightPruned, trainer.State.AllocationHistory.SelectMany(r => r.Pruned).ToList());
            Assert.Equal(straightLosses, trainer.State.StepLosses);
        }
    }
}
