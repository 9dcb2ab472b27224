using ALoRA.Engine.Data;
using ALoRA.Engine.Lora;
using ALoRA.Engine.Model;
using ALoRA.Engine.Scoring;
using static TorchSharp.torch;

namespace ALoRA.Engine.Tests.Scoring;

public sealed class AbLoraScorerTests
{
    public AbLoraScorerTests() => Samples.EnsureTorch();

    /// <summary>A random LLaMA with random (non-zero) adapters; some gates switched off.</summary>
    internal static LlamaForCausalLM RandomModel(int layers, int heads, int kvHeads, int hidden, int rank, long seed, int gatesOff)
    {
        manual_seed(seed);
        var config = new LlamaConfig
        {
            HiddenSize = hidden, IntermediateSize = hidden * 2 + 4, NumHiddenLayers = layers, NumAttentionHeads = heads,
            NumKeyValueHeads = kvHeads, HeadDim = hidden / heads, VocabSize = 96, MaxPositionEmbeddings = 64,
        };
        var model = new LlamaForCausalLM(config, lora: new LoraConfig { R = rank, InitSeed = seed });
        using (no_grad())
        {
            foreach (var slot in model.Adapters)
            {
                slot.Module.LoraB.normal_(0, 0.3);
            }
        }

        var rng = new Random((int)seed);
        for (var k = 0; k < gatesOff; k++)
        {
            var slot = model.Adapters[rng.Next(model.Adapters.Count)];
            slot.Module.SetGate(rng.Next(slot.Module.Rank), false);
        }

        return model;
    }

    /// <summary>A batch of random sequences with response-only targets on the last tokens, right-padded rows.</summary>
    internal static Batch RandomBatch(int rows, int length, long seed)
    {
        var rng = new Random((int)seed);
        var examples = Enumerable.Range(0, rows).Select(_ =>
        {
            var len = rng.Next(length / 2, length + 1);
            var ids = Enumerable.Range(0, len).Select(_ => rng.Next(3, 96)).ToArray();
            ids[0] = 1;
            return new TokenizedExample(ids, len - 2);
        }).ToList();
        return BatchCollator.Collate(examples, Enumerable.Range(0, rows).ToArray(), padId: 2);
    }

    [Theory]
    [InlineData(2, 4, 4, 32, 4, 1, 0)]   // MHA, all gates on
    [InlineData(3, 4, 2, 32, 3, 2, 4)]   // GQA, some gates already off
    [InlineData(2, 8, 1, 64, 5, 3, 7)]   // MQA, odd rank
    public void Fast_AgreesWithReference_OnEveryCe(int layers, int heads, int kvHeads, int hidden, int rank, long seed, int gatesOff)
    {
        using var model = RandomModel(layers, heads, kvHeads, hidden, rank, seed, gatesOff);
        var batch = RandomBatch(6, 12, seed);
        var reference = AbLoraScorer.Reference(model, batch);
        var fast = AbLoraScorer.Fast(model, batch, maxVariantsPerPass: 2);

        var active = model.Adapters.Sum(a => a.Module.ActiveRank);
        Assert.Equal(active, reference.Ranks.Count);
        Assert.Equal(reference.Ranks.Select(r => (r.ModuleIndex, r.Rank)), fast.Ranks.Select(r => (r.ModuleIndex, r.Rank)));
        Assert.Equal(reference.BaseCe, fast.BaseCe, 1e-5);
        for (var i = 0; i < reference.Ranks.Count; i++)
        {
            var (r, f) = (reference.Ranks[i], fast.Ranks[i]);
            Assert.True(Math.Abs(r.CeWithout!.Value - f.CeWithout!.Value) < 1e-5, $"{r.ModulePath}[{r.Rank}] CE without: {r.CeWithout} vs {f.CeWithout}");
            Assert.True(Math.Abs(r.CeOnly!.Value - f.CeOnly!.Value) < 1e-5, $"{r.ModulePath}[{r.Rank}] CE only: {r.CeOnly} vs {f.CeOnly}");
            Assert.Equal(r.CeWithout!.Value - reference.BaseCe - r.CeOnly!.Value, r.Importance, 12);
        }

        Assert.True(fast.ForwardEquivalents < reference.ForwardEquivalents);
        Assert.True(reference.Ranks.Select(r => r.CeWithout).Distinct().Count() > 1, "scores must differ between ranks");
    }

    [Fact]
    public void Reference_FollowsDefinition_AndLeavesModelUnchanged()
    {
        using var model = RandomModel(2, 4, 2, 32, 2, 9, 1);
        var batch = RandomBatch(4, 10, 9);
        var gatesBefore = model.Adapters.Select(a => a.Module.Gates).ToList();
        model.train();
        var scores = AbLoraScorer.Reference(model, batch);
        Assert.True(model.training, "training mode is restored");
        Assert.Equal(gatesBefore, model.Adapters.Select(a => a.Module.Gates).ToList());
        Assert.All(model.Adapters, a => Assert.False(a.Module.AdapterDisabled || a.Module.HasVariantGates));

        // CE(M \ r) by hand for the first scored rank.
        var first = scores.Ranks[0];
        var module = model.Adapters[first.ModuleIndex].Module;
        module.SetGate(first.Rank, false);
        model.eval();
        using (no_grad())
        {
            var sum = CausalLmLossHelper(model, batch);
            Assert.Equal(first.CeWithout!.Value, sum, 5);
        }

        module.SetGate(first.Rank, true);
    }

    [Theory]
    [InlineData(2, 4, 2, 32, 3, 5, 3)]   // GQA, some gates already off
    [InlineData(3, 4, 4, 32, 2, 6, 0)]   // MHA, all gates on
    public void Scores_MatchAnOracleThatZeroesLoraBColumnsInCopies(int layers, int heads, int kvHeads, int hidden, int rank, long seed, int gatesOff)
    {
        using var model = RandomModel(layers, heads, kvHeads, hidden, rank, seed, gatesOff);
        var batch = RandomBatch(5, 12, seed);
        var reference = AbLoraScorer.Reference(model, batch);
        var fast = AbLoraScorer.Fast(model, batch, maxVariantsPerPass: 2);
        var gates = model.Adapters.Select(a => a.Module.Gates).ToList();
        bool Active(int module, int r) => gates[module][r];

        // The oracle never touches gates to switch a rank off: it zeroes that rank's column of lora_B in a fresh copy of
        // the network (all gates on), runs a plain forward and takes the CE of the target tokens by hand.
        var full = OracleCe(layers, heads, kvHeads, hidden, rank, seed, gatesOff, batch, Active, model);
        var none = OracleCe(layers, heads, kvHeads, hidden, rank, seed, gatesOff, batch, (_, _) => false, model);
        Assert.Equal(full, reference.BaseCe, 4);
        Assert.Equal(full, fast.BaseCe, 4);
        Assert.True(Math.Abs(full - none) > 1e-3, $"the adapters must matter: CE(M) {full} vs CE(base) {none}");

        var picks = new[] { 0, 1, reference.Ranks.Count / 2, reference.Ranks.Count - 1 }.Distinct().ToList();
        foreach (var i in picks)
        {
            var scored = reference.Ranks[i];
            var (m, r) = (scored.ModuleIndex, scored.Rank);
            var without = OracleCe(layers, heads, kvHeads, hidden, rank, seed, gatesOff, batch, (mm, rr) => Active(mm, rr) && (mm, rr) != (m, r), model);
            var only = OracleCe(layers, heads, kvHeads, hidden, rank, seed, gatesOff, batch, (mm, rr) => (mm, rr) == (m, r), model);
            foreach (var (name, score) in new[] { ("reference", scored), ("fast", fast.Ranks[i]) })
            {
                Assert.Equal((m, r), (score.ModuleIndex, score.Rank));
                Assert.True(Math.Abs(without - score.CeWithout!.Value) < 1e-4, $"{name} {scored.ModulePath}[{r}] CE without: oracle {without} vs {score.CeWithout}");
                Assert.True(Math.Abs(only - score.CeOnly!.Value) < 1e-4, $"{name} {scored.ModulePath}[{r}] CE only: oracle {only} vs {score.CeOnly}");
                Assert.True(Math.Abs(without - full - only - score.Importance) < 3e-4, $"{name} {scored.ModulePath}[{r}] importance: oracle {without - full - only} vs {score.Importance}");
            }

            Assert.True(Math.Abs(without - only) > 1e-6, "CE without r and CE with only r must differ");
        }
    }

    /// <summary>
    /// CE of a fresh copy of the random network (the same seed gives the same weights: checked against
    /// <paramref name="original"/>) in which only the ranks <paramref name="keep"/> accepts contribute: every other
    /// rank's column of lora_B is zeroed and every gate is on. Mean over target tokens of -log softmax, in float64.
    /// </summary>
    private static double OracleCe(int layers, int heads, int kvHeads, int hidden, int rank, long seed, int gatesOff, Batch batch,
                                   Func<int, int, bool> keep, LlamaForCausalLM original)
    {
        using var copy = RandomModel(layers, heads, kvHeads, hidden, rank, seed, gatesOff);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (a, b) in original.parameters().Zip(copy.parameters()))
        {
            Assert.True(a.allclose(b, rtol: 0, atol: 0), "the copy has the original's weights");
        }

        for (var m = 0; m < copy.Adapters.Count; m++)
        {
            var module = copy.Adapters[m].Module;
            for (var r = 0; r < module.Rank; r++)
            {
                if (!keep(m, r))
                {
                    module.LoraB.select(1, r).zero_();
                }
            }

            module.SetGates(Enumerable.Repeat(true, module.Rank).ToArray());
        }

        copy.eval();
        var ids = tensor(batch.InputIds).view(batch.BatchSize, batch.SequenceLength);
        var logits = copy.LmHead(copy.ForwardHidden(ids)).to(ScalarType.Float64);
        var logProbs = logits.log_softmax(-1).view(-1, logits.shape[2]);
        var (total, count) = (0.0, 0);
        for (var i = 0; i < batch.Labels.Length; i++)
        {
            if (batch.Labels[i] != Batch.IgnoreIndex)
            {
                total -= logProbs[i, batch.Labels[i]].item<double>();
                count++;
            }
        }

        Assert.Equal(batch.TargetTokenCount, count);
        return total / count;
    }

    private static double CausalLmLossHelper(LlamaForCausalLM model, Batch batch) =>
        ALoRA.Engine.Training.CausalLmLoss.Sum(model, batch, CPU) / batch.TargetTokenCount;
}
