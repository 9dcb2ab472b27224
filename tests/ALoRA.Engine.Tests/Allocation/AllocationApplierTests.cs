using ALoRA.Engine.Allocation;
using ALoRA.Engine.Lora;
using ALoRA.Engine.Model;
using ALoRA.Engine.Training;
using static TorchSharp.torch;

namespace ALoRA.Engine.Tests.Allocation;

public sealed class AllocationApplierTests
{
    private const int Vocab = 32;

    public AllocationApplierTests() => Samples.EnsureTorch();

    private static LlamaForCausalLM CreateModel(int rank = 4, long seed = 5)
    {
        var config = new LlamaConfig
        {
            HiddenSize = 16, IntermediateSize = 24, NumHiddenLayers = 2, NumAttentionHeads = 2,
            NumKeyValueHeads = 2, HeadDim = 8, VocabSize = Vocab, MaxPositionEmbeddings = 32,
        };
        manual_seed(seed);
        var model = new LlamaForCausalLM(config, lora: new LoraConfig { R = rank, InitSeed = seed });
        using (no_grad())
        {
            foreach (var slot in model.Adapters)
            {
                slot.Module.LoraB.normal_(0, 0.3);
            }
        }

        return model;
    }

    private static void TrainStep(LlamaForCausalLM model, LoraAdamW optimizer, long seed)
    {
        using var scope = NewDisposeScope();
        using var g = new Generator().manual_seed(seed);
        var ids = randint(0, Vocab, [2, 6], generator: g);
        var loss = model.forward(ids).square().mean();
        loss.backward();
        optimizer.Step(1e-2);
        optimizer.ZeroGrad();
    }

    private static List<RankScore> RandomScores(LlamaForCausalLM model, Random rng) =>
        model.Adapters.SelectMany((a, m) => Enumerable.Range(0, a.Module.Rank)
                                                      .Select(r => new RankScore(m, a.Path, r, 0, 0, rng.NextDouble()))).ToList();

    private static int[] Ranks(LlamaForCausalLM model) => model.Adapters.Select(a => a.Module.Rank).ToArray();

    private static Tensor Logits(LlamaForCausalLM model)
    {
        using var noGrad = no_grad();
        using var g = new Generator().manual_seed(99);
        using var ids = randint(0, Vocab, [2, 7], generator: g);
        return model.forward(ids);
    }

    [Fact]
    public void Apply_RandomRounds_KeepsBudgetOutputsAndOptimizerInSync()
    {
        using var model = CreateModel();
        using var optimizer = new LoraAdamW(model.TrainableParameters());
        var budget = model.Adapters.Sum(a => a.Module.Rank);
        var rng = new Random(3);
        for (var round = 0; round < 4; round++)
        {
            TrainStep(model, optimizer, round);
            var decision = RankAllocator.Decide(Ranks(model), RandomScores(model, rng), 7);

            // Expected function after the round: the current network with only the pruned gates switched off.
            var gatesBefore = model.Adapters.Select(a => a.Module.Gates).ToArray();
            foreach (var p in decision.Pruned)
            {
                model.Adapters[p.ModuleIndex].Module.SetGate(p.Rank, false);
            }

            using var expected = Logits(model);
            for (var m = 0; m < model.Adapters.Count; m++)
            {
                model.Adapters[m].Module.SetGates(gatesBefore[m]);
            }

            var (momentsBefore, stepsBefore) = optimizer.StateDict();
            var oldMoments = momentsBefore.ToDictionary(p => p.Key, p => p.Value.clone());
            using var generator = new Generator().manual_seed(round);
            var result = AllocationApplier.Apply(model, optimizer, decision, generator);

            Assert.Equal(decision.ActiveAfter, Ranks(model));
            Assert.Equal(decision.ActiveAfter, result.NewRanks);
            Assert.True(result.TotalRank <= budget, $"round {round}: {result.TotalRank} ranks exceed the budget {budget}");
            Assert.All(model.Adapters, a => Assert.All(a.Module.Gates, Assert.True));
            using (var actual = Logits(model))
            {
                Assert.True(allclose(expected, actual, 1e-5, 1e-6), $"round {round}: outputs differ from the network with the pruned gates off");
            }

            var (momentsAfter, stepsAfter) = optimizer.StateDict();
            Assert.Equal(stepsBefore, stepsAfter);
            foreach (var module in result.Modules)
            {
                var lora = model.Adapters[module.ModuleIndex].Module;
                var kept = module.IndexMap.Count(i => i >= 0);
                Assert.Equal(kept + module.Added, module.NewRank);
                for (var j = kept; j < module.NewRank; j++)
                {
                    Assert.Equal(0f, lora.LoraB[.., j].abs().sum().item<float>());
                    Assert.True(lora.LoraA[j].abs().sum().item<float>() > 0, "a new A row must be Kaiming-uniform, not zero");
                }

                foreach (var (suffix, dim) in new[] { (".lora_A.weight", 0L), (".lora_B.weight", 1L) })
                {
                    foreach (var kind in new[] { ".exp_avg", ".exp_avg_sq" })
                    {
                        var key = module.Path + suffix + kind;
                        var (old, now) = (oldMoments[key], momentsAfter[key]);
                        for (var i = 0; i < module.OldRank; i++)
                        {
                            if (module.IndexMap[i] >= 0)
                            {
                                Assert.True(TensorAssert.Same(old.select(dim, i), now.select(dim, module.IndexMap[i])), $"{key}: moments of rank {i} were not kept");
                            }
                        }

                        for (var j = kept; j < module.NewRank; j++)
                        {
                            Assert.Equal(0f, now.select(dim, j).abs().sum().item<float>());
                        }
                    }
                }
            }

            foreach (var t in oldMoments.Values)
            {
                t.Dispose();
            }

            var trainable = model.TrainableParameters().ToArray();
            Assert.Equal(trainable.Select(p => p.Name), optimizer.Names);
            Assert.All(trainable.Zip(optimizer.Parameters), p => Assert.Same(p.First.Parameter, p.Second));
        }

        TrainStep(model, optimizer, 100); // the resized optimizer steps the resized parameters
    }

    [Fact]
    public void Apply_ModulePrunedToZeroThenRegrown_TrainsWithoutShapeErrors()
    {
        using var model = CreateModel();
        using var optimizer = new LoraAdamW(model.TrainableParameters());
        TrainStep(model, optimizer, 1);

        // Round 1: all 4 ranks of module 0 score lowest.
        var scores = RandomScores(model, new Random(1)).Select(s => s.ModuleIndex == 0 ? s with { Importance = -1 - s.Rank } : s).ToList();
        var first = RankAllocator.Decide(Ranks(model), scores, 4);
        using var generator = new Generator().manual_seed(1);
        AllocationApplier.Apply(model, optimizer, first, generator);
        Assert.Equal(0, model.Adapters[0].Module.Rank);
        Assert.Equal([0L, 16L], model.Adapters[0].Module.LoraA.shape);
        TrainStep(model, optimizer, 2);

        // Round 2: every other module loses its rank 0, so module 0 (no ranks, nothing lost) is U and gets all 13.
        var modules = model.Adapters.Count;
        var lowest = RandomScores(model, new Random(2)).Select(s => s.Rank == 0 ? s with { Importance = -1 } : s).ToList();
        var second = RankAllocator.Decide(Ranks(model), lowest, modules - 1);
        Assert.Equal([0], second.Receivers);
        var result = AllocationApplier.Apply(model, optimizer, second, generator);
        Assert.Equal(modules - 1, model.Adapters[0].Module.Rank);
        Assert.Equal(second.ActiveAfter, result.NewRanks);
        Assert.Equal(model.TrainableParameters().Select(p => p.Name), optimizer.Names);
        TrainStep(model, optimizer, 3);
    }

    [Fact]
    public void Apply_DecisionForAnotherState_ThrowsAndChangesNothing()
    {
        using var model = CreateModel();
        using var optimizer = new LoraAdamW(model.TrainableParameters());
        var counts = Ranks(model);
        counts[2] = 3;
        var scores = RandomScores(model, new Random(4)).Where(s => s.ModuleIndex != 2 || s.Rank < 3).ToList();
        var decision = RankAllocator.Decide(counts, scores, 7);
        var paramsBefore = model.TrainableParameters().Select(p => p.Parameter).ToArray();

        var ex = Assert.Throws<ArgumentException>(() => AllocationApplier.Apply(model, optimizer, decision));
        Assert.Contains("decision.ActiveBefore[2] is 3", ex.Message);
        Assert.Equal(Enumerable.Repeat(4, model.Adapters.Count), Ranks(model));
        Assert.All(model.Adapters, a => Assert.All(a.Module.Gates, Assert.True));
        Assert.All(paramsBefore.Zip(model.TrainableParameters()), p => Assert.Same(p.First, p.Second.Parameter));
    }

    [Fact]
    public void Apply_OptimizerWithoutAdapterParameter_ThrowsNamingIt()
    {
        using var model = CreateModel();
        using var optimizer = new LoraAdamW(model.TrainableParameters().Where(p => !p.Name.EndsWith("q_proj.lora_B.weight", StringComparison.Ordinal)));
        var decision = RankAllocator.Decide(Ranks(model), RandomScores(model, new Random(5)), 7);
        var ex = Assert.Throws<ArgumentException>(() => AllocationApplier.Apply(model, optimizer, decision));
        Assert.Contains("the optimizer has no parameter 'model.layers.0.self_attn.q_proj.lora_B.weight'", ex.Message);
    }

    [Fact]
    public void Apply_WithoutOptimizer_SameGeneratorSeed_SameWeights()
    {
        using var a = CreateModel();
        using var b = CreateModel();
        var decision = RankAllocator.Decide(Ranks(a), RandomScores(a, new Random(6)), 7);
        using (var generator = new Generator().manual_seed(8))
        {
            AllocationApplier.Apply(a, null, decision, generator);
        }

        using (var generator = new Generator().manual_seed(8))
        {
            AllocationApplier.Apply(b, null, decision, generator);
        }
        foreach (var (pa, pb) in a.TrainableParameters().Zip(b.TrainableParameters()))
        {
            Assert.True(TensorAssert.Same(pa.Parameter, pb.Parameter), pa.Name);
        }
    }
}
