using ALoRA.Engine.Lora;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ALoRA.Engine.Tests.Lora;

/// <summary>Relaxed gates of alora-dnas: <c>g_i * 2 sigmoid(a_i)</c>, trainable in a, foldable into B.</summary>
public sealed class GatedLoraRelaxationTests
{
    public GatedLoraRelaxationTests() => Samples.EnsureTorch();

    private static GatedLoraLinear Create()
    {
        manual_seed(3);
        var lora = new GatedLoraLinear(nn.Linear(6, 5), 4, alpha: 8, dropout: 0, new Generator().manual_seed(3));
        using (no_grad())
        {
            lora.LoraB.copy_(randn(5, 4));
        }

        lora.SetGate(2, false);
        return lora;
    }

    [Fact]
    public void Forward_WithLogits_MatchesDefinition_AndGradientReachesLogits()
    {
        using var lora = Create();
        using var logits = new Parameter(tensor(new float[] { 0.5f, -1f, 2f, 0f }), requires_grad: true);
        lora.SetGateLogits(logits);
        using var x = randn(3, 6);
        using var gates = tensor(new float[] { 1, 1, 0, 1 });
        using var relax = logits.detach().sigmoid().mul(2.0);
        using var expected = lora.BaseLayer.forward(x) + 2.0 * x.matmul(lora.LoraA.t()).mul(gates.mul(relax)).matmul(lora.LoraB.t());
        using var y = lora.forward(x);
        Assert.True(allclose(expected, y, 1e-5, 1e-6));

        y.sum().backward();
        using var grad = logits.grad!;
        var g = grad.data<float>().ToArray();
        Assert.Equal(0f, g[2]); // a gated-off rank's logit gets no gradient
        Assert.NotEqual(0f, g[0]);
    }

    [Fact]
    public void FoldGateRelaxation_KeepsOutput_AndDetachesLogits()
    {
        using var lora = Create();
        using var logits = new Parameter(tensor(new float[] { 0.5f, -1f, 2f, 0.25f }), requires_grad: false);
        lora.SetGateLogits(logits);
        using var x = randn(3, 6);
        using var before = lora.forward(x);
        lora.FoldGateRelaxation();
        Assert.Null(lora.GateLogits);
        using var after = lora.forward(x);
        Assert.True(allclose(before, after, 1e-5, 1e-6));
    }

    [Fact]
    public void SetGateLogits_WrongLength_NamesRank()
    {
        using var lora = Create();
        using var logits = new Parameter(zeros(3));
        Assert.Contains("4 entries", Assert.Throws<ArgumentException>(() => lora.SetGateLogits(logits)).Message);
    }
}
