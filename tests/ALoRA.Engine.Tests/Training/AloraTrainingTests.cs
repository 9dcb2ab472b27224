using ALoRA.Engine.Checkpoints;
using ALoRA.Engine.Training;

namespace ALoRA.Engine.Tests.Training;

/// <summary>The ALoRA loop on the real stories260K model and a slice of SST-2.</summary>
public sealed class AloraTrainingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("alora-loop-").FullName;

    public AloraTrainingTests() => Samples.EnsureTorch();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static TrainingOptions Options(int steps) => new()
    {
        BatchSize = 16, MaxSteps = steps, LearningRate = 5e-3, EvalEverySteps = 4, MaxSequenceLength = 64, Seed = 5,
    };

    private static AllocationOptions Alora(int rounds = 3) => new()
    {
        Method = AllocationMethod.Alora,
        WarmupBeforeFirstRound = ScheduleLength.Steps(4),
        BetweenRounds = ScheduleLength.Steps(3),
        Rounds = rounds,
        ValidationBatchSize = 8,
    };

    [Fact]
    public void Train_Alora_MovesRanksWithinBudgetAndReportsEveryRound()
    {
        var options = Options(14);
        using var model = TrainingFixture.Model();
        var budget = model.Adapters.Sum(a => a.Module.ActiveRank);
        using var trainer = new SftTrainer(model, TrainingFixture.Data(options), options, allocation: Alora());
        var events = new List<TrainingEvent>();
        var result = trainer.Train(new SynchronousProgress<TrainingEvent>(events.Add));

        var rounds = trainer.State.AllocationHistory;
        Assert.Equal(3, rounds.Count);
        Assert.Equal([4, 7, 10], rounds.Select(r => r.Step));
        Assert.Equal(3, events.Count(e => e.Kind == TrainingEventKind.AllocationRound));
        foreach (var round in rounds)
        {
            Assert.Equal(7, round.Pruned.Count);
            Assert.True(round.RanksAfter.Values.Sum() <= budget);
            Assert.Equal(round.Scores.Count, round.Scores.Select(s => (s.ModulePath, s.Rank)).Distinct().Count());
            Assert.True(double.IsFinite(round.DevLoss));
        }

        Assert.Contains(rounds, r => r.Added.Count > 0);
        Assert.Contains(rounds[^1].RanksAfter.Values, r => r != 8);
        Assert.Equal(AllocationMethod.Alora, result.Method);
        Assert.Equal(3, result.AllocationRounds);
        // The budget is in ranks; parameters follow the modules' shapes (a k_proj rank has 96, a gate_proj rank 236).
        Assert.Equal(model.Adapters.Sum(a => (long)a.Module.ActiveRank * (a.Module.InFeatures + a.Module.OutFeatures)), result.FinalTrainableParameters);
        Assert.Equal(model.Adapters.ToDictionary(a => a.Path, a => a.Module.ActiveRank), result.FinalAllocation);
        Assert.True(result.FinalAllocation.Values.Sum() <= budget);
    }

    [Fact]
    public void Resume_AfterAllocationRounds_KeepsHistoryRanksAndLosses()
    {
        var options = Options(12) with { CheckpointEverySteps = 8 };
        double[] straight;
        Dictionary<string, int> straightRanks;
        using (var model = TrainingFixture.Model())
        using (var trainer = new SftTrainer(model, TrainingFixture.Data(options), options, allocation: Alora()))
        {
            trainer.RunUntil(12);
            straight = trainer.State.StepLosses.ToArray();
            straightRanks = model.Adapters.ToDictionary(a => a.Path, a => a.Module.ActiveRank);
        }

        var root = Path.Combine(_dir, "ckpt");
        using (var model = TrainingFixture.Model())
        using (var trainer = new SftTrainer(model, TrainingFixture.Data(options), options, root, Alora()))
        {
            trainer.RunUntil(8);
        }

        using var fresh = TrainingFixture.Model();
        using var resumed = new SftTrainer(fresh, TrainingFixture.Data(options), options, root, Alora());
        resumed.Resume(TrainingCheckpoint.Latest(root)!);
        Assert.Equal(2, resumed.State.AllocationHistory.Count);
        resumed.RunUntil(12);
        Assert.Equal(3, resumed.State.AllocationHistory.Count);
        Assert.Equal(straight, resumed.State.StepLosses.ToArray());
        Assert.Equal(straightRanks, fresh.Adapters.ToDictionary(a => a.Path, a => a.Module.ActiveRank));
    }

    [Fact]
    public void Create_K1BeyondTraining_FailsNamingK1()
    {
        var options = Options(6);
        using var model = TrainingFixture.Model();
        var ex = Assert.Throws<ArgumentException>(() => new SftTrainer(model, TrainingFixture.Data(options), options,
            allocation: Alora() with { WarmupBeforeFirstRound = ScheduleLength.Steps(6) }));
        Assert.Contains("k1", ex.Message);
    }

    [Fact]
    public void Create_RanksPerRoundAboveActiveRanks_FailsNamingNA()
    {
        var options = Options(10);
        using var model = TrainingFixture.Model();
        var ex = Assert.Throws<ArgumentException>(() => new SftTrainer(model, TrainingFixture.Data(options), options,
            allocation: Alora() with { RanksPerRound = 281 }));
        Assert.Contains("n_A = 281", ex.Message);
        Assert.Contains("280 active ranks", ex.Message);
    }

    [Theory]
    [InlineData(-1, 1, 1, "k1")]
    [InlineData(1, -1, 1, "k2")]
    [InlineData(1, 1, -1, "n_rounds")]
    public void Validate_NegativeSchedule_NamesField(int k1, int k2, int rounds, string field)
    {
        var options = new AllocationOptions
        {
            Method = AllocationMethod.Alora, WarmupBeforeFirstRound = ScheduleLength.Steps(k1), BetweenRounds = ScheduleLength.Steps(k2), Rounds = rounds,
        };
        Assert.Contains(field, Assert.Throws<ArgumentException>(options.Validate).Message);
    }

    [Fact]
    public void Train_EarlyStopBeforeFirstRound_FailsInsteadOfBeingLora()
    {
        // Dev = flipped training labels, patience 1: training stops at the second evaluation, before k1.
        var options = Options(40) with { EvalEverySteps = 2, Patience = 1, LearningRate = 2e-2, WarmupRatio = 0 };
        using var model = TrainingFixture.Model();
        using var trainer = new SftTrainer(model, TrainingFixture.Data(options, TrainingFixture.Sst2(train: 128, dev: 32, flipDevLabels: true)), options,
            allocation: Alora() with { WarmupBeforeFirstRound = ScheduleLength.Steps(30) });
        var ex = Assert.Throws<InvalidOperationException>(() => trainer.Train());
        Assert.Contains("no allocation round ran", ex.Message);
    }
}
