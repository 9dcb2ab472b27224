using ALoRA.Engine.Lora;
using ALoRA.Engine.Model;
using ALoRA.Engine.Scoring;
using static TorchSharp.torch;

namespace ALoRA.Engine.Tests.Scoring;

/// <summary>
/// The fast path's entry points (docs/alora-method.md section 8): a block's output for V variants of one of its
/// projections from a shared prefix equals, variant by variant, the plain forward of the block with that variant's
/// gates stored in the module; the fast path restricted to o_proj / down_proj equals the reference definition.
/// </summary>
public sealed class PrefixVariantTests
{
    public PrefixVariantTests() => Samples.EnsureTorch();

    private static readonly bool[][] Variants = [[true, false, true], [false, false, false], [false, true, true], [true, true, true]];

    /// <summary>For each variant: store its gates in the module, run the plain block forward, restore (the oracle).</summary>
    private static Tensor[] PlainPerVariant(LlamaDecoderLayer layer, GatedLoraLinear module, Tensor x)
    {
        var stored = module.Gates;
        try
        {
            return Variants.Select(g =>
            {
                module.SetGates(g);
                return layer.forward(x).DetachFromDisposeScope();
            }).ToArray();
        }
        finally
        {
            module.SetGates(stored);
        }
    }

    private static void SetVariants(GatedLoraLinear module)
    {
        using var gates = tensor(Variants.SelectMany(g => g.Select(on => on ? 1f : 0f)).ToArray(), [Variants.Length, 3]);
        module.SetVariantGates(gates);
    }

    [Theory]
    [InlineData(4, 4)] // MHA
    [InlineData(4, 2)] // GQA
    public void ForwardVariants_OfEveryProjection_EqualsThePlainForwardOfEachVariant(int heads, int kvHeads)
    {
        using var model = AbLoraScorerTests.RandomModel(2, heads, kvHeads, 32, 3, 11, 0);
        model.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var layer = model.Decoder.LayerAt(1);
        var x = randn(2, 7, 32);
        using var prefix = layer.Prefix(x);
        var seen = new HashSet<LlamaProjection>();
        foreach (var slot in model.Adapters.Where(a => a.Layer == 1))
        {
            var expected = PlainPerVariant(layer, slot.Module, x);
            SetVariants(slot.Module);
            try
            {
                var actual = layer.ForwardVariants(prefix, slot.Module);
                Assert.Equal([Variants.Length * 2L, 7, 32], actual.shape);
                for (var v = 0; v < Variants.Length; v++)
                {
                    var diff = (actual.narrow(0, v * 2, 2) - expected[v]).abs().max().item<float>();
                    Assert.True(diff < 1e-5, $"{slot.Path} variant {v}: max difference {diff}");
                }
            }
            finally
            {
                slot.Module.SetVariantGates(null);
            }

            seen.Add(layer.ProjectionOf(slot.Module)!.Value);
        }

        Assert.Equal(Enum.GetValues<LlamaProjection>().ToHashSet(), seen);

        // One prefix served all seven projections: each shared piece was computed once, on first use.
        Assert.Equal(BlockPieces.InputNorm | BlockPieces.Heads | BlockPieces.AttentionOutput | BlockPieces.PostNorm | BlockPieces.Gate | BlockPieces.Up | BlockPieces.Product,
                     prefix.Computed);
    }

    [Fact]
    public void Prefix_ComputesOnlyThePiecesBeforeTheProjection()
    {
        using var model = AbLoraScorerTests.RandomModel(2, 4, 2, 32, 3, 12, 0);
        model.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var layer = model.Decoder.LayerAt(0);
        var x = randn(1, 5, 32);
        var o = model.Adapters.Single(a => a.Path == "model.layers.0.self_attn.o_proj").Module;
        var down = model.Adapters.Single(a => a.Path == "model.layers.0.mlp.down_proj").Module;
        using var prefix = layer.Prefix(x);
        SetVariants(o);
        layer.ForwardVariants(prefix, o);
        o.SetVariantGates(null);
        Assert.Equal(BlockPieces.InputNorm | BlockPieces.Heads, prefix.Computed);
        SetVariants(down);
        layer.ForwardVariants(prefix, down);
        down.SetVariantGates(null);
        Assert.Equal(BlockPieces.InputNorm | BlockPieces.Heads | BlockPieces.AttentionOutput | BlockPieces.PostNorm | BlockPieces.Gate | BlockPieces.Up | BlockPieces.Product,
                     prefix.Computed);
    }

    [Fact]
    public void ForwardVariants_RefusesAnotherBlocksModuleOrPrefix_AndAModuleWithoutVariants()
    {
        using var model = AbLoraScorerTests.RandomModel(2, 4, 4, 32, 3, 13, 0);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var x = randn(1, 4, 32);
        var upper = model.Adapters.Single(a => a.Path == "model.layers.1.mlp.up_proj").Module;
        var lower = model.Adapters.Single(a => a.Path == "model.layers.0.mlp.up_proj").Module;
        using var prefix = model.Decoder.LayerAt(0).Prefix(x);
        Assert.Null(model.Decoder.LayerAt(0).ProjectionOf(upper));
        Assert.Throws<ArgumentException>(() => model.Decoder.LayerAt(0).ForwardVariants(prefix, lower));
        SetVariants(upper);
        Assert.Throws<ArgumentException>(() => model.Decoder.LayerAt(0).ForwardVariants(prefix, upper));
        Assert.Throws<ArgumentException>(() => model.Decoder.LayerAt(1).ForwardVariants(prefix, upper));
        upper.SetVariantGates(null);
    }

    [Fact]
    public void ForwardBroadcast_EqualsTheStackedForward_ForEveryVariant()
    {
        using var model = AbLoraScorerTests.RandomModel(1, 4, 4, 32, 3, 14, 0);
        model.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var module = model.Adapters[0].Module;
        var x = randn(2, 6, 32);
        SetVariants(module);
        var broadcast = module.ForwardBroadcast(x);
        var stacked = module.forward(x.repeat(Variants.Length, 1, 1));
        module.SetVariantGates(null);
        Assert.True(TensorAssert.Same(stacked, broadcast) || (stacked - broadcast).abs().max().item<float>() < 1e-6);
        Assert.Throws<InvalidOperationException>(() => module.ForwardBroadcast(x));
    }

    [Fact]
    public void ForwardLayers_ToABlock_ReturnsThatBlocksInput()
    {
        using var model = AbLoraScorerTests.RandomModel(3, 4, 4, 32, 2, 15, 0);
        model.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var ids = randint(96, [2, 5], dtype: ScalarType.Int64);
        var inputs = new Tensor[3];
        model.Decoder.ForwardLayers(model.Decoder.Embed(ids), 0, (i, h) => inputs[i] = h);
        var captured = new List<int>();
        var two = model.Decoder.ForwardLayers(model.Decoder.Embed(ids), 0, 2, (i, _) => captured.Add(i));
        Assert.True(TensorAssert.Same(inputs[2], two));
        Assert.Equal([0, 1], captured);
    }

    [Theory]
    [InlineData("o_proj", 2, 4, 2, 3)]
    [InlineData("down_proj", 3, 4, 4, 4)]
    [InlineData("gate_proj", 2, 8, 2, 5)]
    [InlineData("up_proj", 2, 4, 1, 6)]
    public void Fast_OnOneModuleType_AgreesWithReference_AndCountsLessWork(string type, int layers, int heads, int kvHeads, long seed)
    {
        using var model = AbLoraScorerTests.RandomModel(layers, heads, kvHeads, 32, 3, seed, 2);
        var batch = AbLoraScorerTests.RandomBatch(10, 12, seed);
        bool Include(AdapterSlot slot) => slot.ModuleType == type;
        var reference = AbLoraScorer.Reference(model, batch, Include);
        var fast = AbLoraScorer.Fast(model, batch, maxVariantsPerPass: 2, include: Include);

        Assert.Equal(model.Adapters.Where(Include).Sum(a => a.Module.ActiveRank), fast.Ranks.Count);
        Assert.Equal(reference.Ranks.Select(r => (r.ModuleIndex, r.Rank)), fast.Ranks.Select(r => (r.ModuleIndex, r.Rank)));
        Assert.Equal(reference.BaseCe, fast.BaseCe, 1e-5);
        foreach (var (r, f) in reference.Ranks.Zip(fast.Ranks))
        {
            Assert.True(Math.Abs(r.CeWithout!.Value - f.CeWithout!.Value) < 1e-5, $"{r.ModulePath}[{r.Rank}] CE without: {r.CeWithout} vs {f.CeWithout}");
            Assert.True(Math.Abs(r.CeOnly!.Value - f.CeOnly!.Value) < 1e-5, $"{r.ModulePath}[{r.Rank}] CE only: {r.CeOnly} vs {f.CeOnly}");
        }

        // Work: more than the two passes that give the block inputs, less than running each variant's blocks whole
        // from its module's block (the count before the prefix reuse inside a block).
        var wholeBlocks = 2 + model.Adapters.Where(Include).Sum(a => 2.0 * a.Module.ActiveRank * (layers - a.Layer) / layers);
        Assert.InRange(fast.ForwardEquivalents, 1 + ((layers - 1.0) / layers), wholeBlocks - 0.5);
    }
}
