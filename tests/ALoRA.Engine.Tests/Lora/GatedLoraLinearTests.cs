using ALoRA.Engine.Lora;
using static TorchSharp.torch;

namespace ALoRA.Engine.Tests.Lora;

public sealed class GatedLoraLinearTests
{
    public GatedLoraLinearTests() => Samples.EnsureTorch();

    private static GatedLoraLinear Create(int rank = 4, long inF = 6, long outF = 5, long seed = 1)
    {
        manual_seed(seed);
        var baseLayer = nn.Linear(inF, outF, hasBias: true);
        var lora = new GatedLoraLinear(baseLayer, rank, alpha: 2.0 * rank, dropout: 0, new Generator().manual_seed(seed));
        using (no_grad())
        {
            lora.LoraB.copy_(randn(outF, rank));
        }

        return lora;
    }

    [Fact]
    public void StateDict_UsesPeftNames()
    {
        using var lora = Create();
        var keys = lora.state_dict().Keys.OrderBy(k => k).ToArray();
        Assert.Equal(["base_layer.bias", "base_layer.weight", "lora_A.weight", "lora_B.weight", "lora_gate"], keys);
        Assert.Equal([4L, 6L], lora.LoraA.shape);
        Assert.Equal([5L, 4L], lora.LoraB.shape);
    }

    [Fact]
    public void Forward_FreshAdapter_EqualsBaseLayer()
    {
        var baseLayer = nn.Linear(6, 5);
        using var lora = new GatedLoraLinear(baseLayer, 4, 8, 0);
        using var x = randn(3, 6);
        using var expected = baseLayer.forward(x);
        using var actual = lora.forward(x);
        Assert.True(allclose(expected, actual, 0, 0));
        Assert.Equal(0f, lora.LoraB.abs().sum().item<float>());
        Assert.True(lora.LoraA.abs().max().item<float>() <= 1 / Math.Sqrt(6) + 1e-6, "A must be Kaiming-uniform with bound 1/sqrt(in)");
    }

    [Fact]
    public void Forward_MatchesDefinition_WithScaleAlphaOverInitialRank()
    {
        using var lora = Create(rank: 4);
        lora.SetGate(1, false);
        using var x = randn(2, 3, 6);
        using var g = tensor(new float[] { 1, 0, 1, 1 });
        using var expected = lora.BaseLayer.forward(x) + 2.0 * x.matmul(lora.LoraA.t()).mul(g).matmul(lora.LoraB.t());
        using var actual = lora.forward(x);
        Assert.True(allclose(expected, actual, 1e-5, 1e-6));
        Assert.Equal(2.0, lora.Scale);
        Assert.Equal(3, lora.ActiveRank);
    }

    [Fact]
    public void GrowThenCompact_OutputsIdentical()
    {
        using var lora = Create(rank: 4);
        lora.SetGate(0, false);
        lora.SetGate(2, false);
        using var x = randn(7, 6);
        using var before = lora.forward(x);

        lora.Grow(3, new Generator().manual_seed(9));
        Assert.Equal(7, lora.Rank);
        Assert.Equal(5, lora.ActiveRank);
        using var grown = lora.forward(x);
        Assert.True(allclose(before, grown, 0, 0), "new ranks start with zero B columns");

        var kept = lora.Compact();
        Assert.Equal([1, 3, 4, 5, 6], kept);
        Assert.Equal(5, lora.Rank);
        Assert.All(lora.Gates, Assert.True);
        using var compacted = lora.forward(x);
        Assert.True(allclose(before, compacted, 1e-6, 1e-6));
        Assert.Equal(2.0, lora.Scale);
        Assert.Contains("lora_gate", lora.state_dict().Keys);
        Assert.Equal([5L], lora.state_dict()["lora_gate"].shape);
    }

    [Fact]
    public void Backward_GatedOffRank_ReceivesNoGradient()
    {
        using var lora = Create(rank: 3);
        lora.SetGate(1, false);
        using var x = randn(4, 6);
        using var loss = lora.forward(x).square().sum();
        loss.backward();
        var gradA = lora.LoraA.grad!;
        var gradB = lora.LoraB.grad!;
        Assert.Equal(0f, gradA[1].abs().sum().item<float>());
        Assert.Equal(0f, gradB[.., 1].abs().sum().item<float>());
        Assert.True(gradA[0].abs().sum().item<float>() > 0);
        Assert.Null(lora.BaseLayer.weight!.grad);
    }
}
