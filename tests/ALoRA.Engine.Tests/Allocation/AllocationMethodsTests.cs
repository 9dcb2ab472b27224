using ALoRA.Engine.Allocation;
using ALoRA.Engine.Checkpoints;
using ALoRA.Engine.Tests.Training;
using ALoRA.Engine.Training;
using static TorchSharp.torch;

namespace ALoRA.Engine.Tests.Allocation;

/// <summary>The four allocation strategies on the real stories260K model and a slice of SST-2.</summary>
public sealed class AllocationMethodsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("alora-methods-").FullName;

    public AllocationMethodsTests() => Samples.EnsureTorch();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static TrainingOptions Options(int steps) => new()
    {
        BatchSize = 16, MaxSteps = steps, LearningRate = 5e-3, EvalEverySteps = 4, MaxSequenceLength = 64, Seed = 5,
    };

    private static AllocationOptions Schedule(AllocationMethod method) => new()
    {
        Method = method,
        WarmupBeforeFirstRound = ScheduleLength.Steps(4),
        BetweenRounds = ScheduleLength.Steps(3),
        Rounds = 3,
        ValidationBatchSize = 8,
    };

    [Theory]
    [InlineData("lora", AllocationMethod.Lora)]
    [InlineData("alora", AllocationMethod.Alora)]
    [InlineData("ALoRA-DNAS", AllocationMethod.AloraDnas)]
    [InlineData("alora-sensi", AllocationMethod.AloraSensi)]
    public void Parse_KnownNames_RoundTrip(string name, AllocationMethod method)
    {
        Assert.Equal(method, AllocationMethods.Parse(name));
        Assert.Equal(name.ToLowerInvariant(), method.ToName());
    }

    [Fact]
    public void Parse_Unknown_ListsTheMethods()
    {
        var ex = Assert.Throws<ArgumentException>(() => AllocationMethods.Parse("adalora"));
        Assert.Contains("'adalora'", ex.Message);
        Assert.Contains("alora-sensi", ex.Message);
    }

    [Theory]
    [InlineData(AllocationMethod.AloraDnas)]
    [InlineData(AllocationMethod.AloraSensi)]
    public void Train_Variant_MovesRanksWithinBudget_AndScoresByItsOwnImportance(AllocationMethod method)
    {
        var options = Options(12);
        using var model = TrainingFixture.Model();
        var budget = model.Adapters.Sum(a => a.Module.ActiveRank);
        using var trainer = new SftTrainer(model, TrainingFixture.Data(options), options, allocation: Schedule(method));
        Assert.Equal(method.ToName(), trainer.Method.Name);
        var result = trainer.Train();

        var rounds = trainer.State.AllocationHistory;
        Assert.Equal([4, 7, 10], rounds.Select(r => r.Step));
        foreach (var round in rounds)
        {
            Assert.Equal(7, round.Pruned.Count);
            Assert.Equal(round.Scores.Count, round.Scores.Select(s => (s.ModulePath, s.Rank)).Distinct().Count());
            Assert.All(round.Scores, s => Assert.Null(s.CeWithout));
            Assert.True(round.Scores.Select(s => s.Importance).Distinct().Count() > round.Scores.Count / 2, "importance must tell ranks apart");
            Assert.True(round.RanksAfter.Values.Sum() <= budget);
            Assert.True(double.IsFinite(round.BaseCe));
        }

        Assert.Contains(rounds[^1].RanksAfter.Values, r => r != 8);
        Assert.Equal(method, result.Method);
        Assert.All(model.Adapters, a => Assert.Null(a.Module.GateLogits));
        Assert.True(result.TestMetric > 0);
    }

    [Theory]
    [InlineData(AllocationMethod.AloraDnas)]
    [InlineData(AllocationMethod.AloraSensi)]
    public void Resume_MidSearch_ReproducesLossesAndRanks(AllocationMethod method)
    {
        var options = Options(12) with { CheckpointEverySteps = 6 };
        double[] straight;
        Dictionary<string, int> straightRanks;
        using (var model = TrainingFixture.Model())
        using (var trainer = new SftTrainer(model, TrainingFixture.Data(options), options, allocation: Schedule(method)))
        {
            trainer.RunUntil(12);
            straight = trainer.State.StepLosses.ToArray();
            straightRanks = model.Adapters.ToDictionary(a => a.Path, a => a.Module.ActiveRank);
        }

        var root = Path.Combine(_dir, method.ToName());
        using (var model = TrainingFixture.Model())
        using (var trainer = new SftTrainer(model, TrainingFixture.Data(options), options, root, Schedule(method)))
        {
            trainer.RunUntil(6);
        }

        using var fresh = TrainingFixture.Model();
        using var resumed = new SftTrainer(fresh, TrainingFixture.Data(options), options, root, Schedule(method));
        resumed.Resume(TrainingCheckpoint.Latest(root)!);
        Assert.Single(resumed.State.AllocationHistory);
        resumed.RunUntil(12);
        Assert.Equal(straight, resumed.State.StepLosses.ToArray());
        Assert.Equal(straightRanks, fresh.Adapters.ToDictionary(a => a.Path, a => a.Module.ActiveRank));
    }

    [Fact]
    public void Resume_CheckpointOfAnotherMethod_IsRefused()
    {
        var options = Options(12) with { CheckpointEverySteps = 6 };
        var root = Path.Combine(_dir, "mixed");
        using (var model = TrainingFixture.Model())
        using (var trainer = new SftTrainer(model, TrainingFixture.Data(options), options, root, Schedule(AllocationMethod.Alora)))
        {
            trainer.RunUntil(6);
        }

        using var fresh = TrainingFixture.Model();
        using var other = new SftTrainer(fresh, TrainingFixture.Data(options), options, root, Schedule(AllocationMethod.AloraSensi));
        var ex = Assert.Throws<InvalidDataException>(() => other.Resume(TrainingCheckpoint.Latest(root)!));
        Assert.Contains("method=alora-sensi", ex.Message);
    }

    [Fact]
    public void Dnas_GateStep_MovesLogitsOnTheGateHalfOnly_AndLeavesWeights()
    {
        var options = Options(12);
        using var model = TrainingFixture.Model();
        var data = TrainingFixture.Data(options);
        RandomizeB(model); // B = 0 would give the logits no gradient

        using var dnas = new DnasGateMethod(model, data, options, gateLearningRate: 0.05);
        Assert.Equal(data.Train.Count / 2, dnas.GateHalf.Count);
        Assert.Equal(dnas.GateHalf.Count, dnas.GateHalf.Distinct().Count());
        Assert.All(model.Adapters, a => Assert.All(dnas.GateValues(a), v => Assert.Equal(1.0, v)));

        var before = model.Adapters.Select(a => a.Module.LoraA.detach().clone()).ToList();
        dnas.OnStepCompleted(1);
        for (var i = 0; i < before.Count; i++)
        {
            Assert.True(before[i].allclose(model.Adapters[i].Module.LoraA.detach(), 0, 0), "a gate step must not move lora_A");
            Assert.Null(model.Adapters[i].Module.LoraA.grad);
            before[i].Dispose();
        }

        var values = model.Adapters.SelectMany(dnas.GateValues).ToArray();
        Assert.All(values, v => Assert.InRange(v, 0.8, 1.2));
        Assert.True(values.Count(v => Math.Abs(v - 1.0) > 1e-4) > values.Length / 2, "most gates must have moved");
    }

    [Fact]
    public void Sensitivity_OneStep_EqualsAdaLoraFormula()
    {
        var options = Options(12);
        using var model = TrainingFixture.Model();
        var data = TrainingFixture.Data(options);
        RandomizeB(model);

        using var sensi = new SensitivityMethod(model, beta1: 0.85, beta2: 0.85);
        var batch = data.TrainBatch(data.Sampler.PlanEpoch(0)[0]);
        Backward(model, batch);

        sensi.OnGradients();
        var scores = sensi.Score(batch);

        // After one update from zero: Ibar = 0.15 I, U = 0.15 |I - 0.15 I| = 0.1275 I, score = Ibar * U summed.
        var slot0 = model.Adapters[3];
        double Expected(TorchSharp.Modules.Parameter p, int dim, int rank)
        {
            using var scope = NewDisposeScope();
            using var grad = p.grad!;
            var ipt = p.detach().mul(grad).abs().to(ScalarType.Float64);
            return ipt.mul(ipt).mul(0.15 * 0.1275).select(dim, rank).sum().item<double>();
        }

        foreach (var rank in new[] { 0, 5 })
        {
            var expected = Expected(slot0.Module.LoraA, 0, rank) + Expected(slot0.Module.LoraB, 1, rank);
            var actual = scores.Ranks.Single(s => s.ModuleIndex == 3 && s.Rank == rank).Importance;
            Assert.True(expected > 0);
            Assert.Equal(expected, actual, expected * 1e-4);
        }

        Assert.Equal(model.Adapters.Sum(a => a.Module.ActiveRank), scores.Ranks.Count);
    }

    [Fact]
    public void Sensitivity_AfterReallocation_StateFollowsItsRank()
    {
        var options = Options(12);
        using var model = TrainingFixture.Model();
        var data = TrainingFixture.Data(options);
        RandomizeB(model);

        using var sensi = new SensitivityMethod(model);
        var batch = data.TrainBatch(data.Sampler.PlanEpoch(0)[0]);
        Backward(model, batch);

        sensi.OnGradients();
        var before = sensi.Score(batch).Ranks;
        var gates = model.Adapters.Select(a => (IReadOnlyList<bool>)a.Module.Gates).ToList();
        var decision = RankAllocator.Decide(gates, before, 7);
        var result = AllocationApplier.Apply(model, null, decision);
        sensi.OnReallocated(result);
        var after = sensi.Score(batch).Ranks;

        foreach (var module in result.Modules)
        {
            for (var old = 0; old < module.IndexMap.Count; old++)
            {
                if (module.IndexMap[old] >= 0)
                {
                    var was = before.Single(s => s.ModuleIndex == module.ModuleIndex && s.Rank == old).Importance;
                    Assert.Equal(was, after.Single(s => s.ModuleIndex == module.ModuleIndex && s.Rank == module.IndexMap[old]).Importance, was * 1e-5);
                }
            }

            for (var added = module.NewRank - module.Added; added < module.NewRank; added++)
            {
                Assert.Equal(0.0, after.Single(s => s.ModuleIndex == module.ModuleIndex && s.Rank == added).Importance);
            }
        }
    }

    private static void RandomizeB(ALoRA.Engine.Model.LlamaForCausalLM model)
    {
        using var noGrad = no_grad();
        foreach (var slot in model.Adapters)
        {
            slot.Module.LoraB.normal_(0, 0.02);
        }
    }

    private static void Backward(ALoRA.Engine.Model.LlamaForCausalLM model, ALoRA.Engine.Data.Batch batch)
    {
        using var scope = NewDisposeScope();
        CausalLmLoss.Mean(model, batch, CPU).backward();
    }
}
