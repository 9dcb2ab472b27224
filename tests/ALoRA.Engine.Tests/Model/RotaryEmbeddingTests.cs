using ALoRA.Engine.Model;
using static TorchSharp.torch;

namespace ALoRA.Engine.Tests.Model;

public sealed class RotaryEmbeddingTests
{
    public RotaryEmbeddingTests() => Samples.EnsureTorch();

    [Fact]
    public void Apply_RepeatedAndShorter_ReusesTables()
    {
        using var rotary = new RotaryEmbedding(8, 512, 10000);
        using var x = randn(2, 4, 100, 8);
        using var y1 = rotary.Apply(x);
        using var y2 = rotary.Apply(x.narrow(2, 0, 30));
        using var y3 = rotary.Apply(x);
        Assert.Equal(1, rotary.BuildCount);
        Assert.True(allclose(y1.narrow(2, 0, 30), y2));
        using var longer = randn(1, 1, 300, 8);
        using var y4 = rotary.Apply(longer);
        Assert.Equal(2, rotary.BuildCount);
    }

    [Fact]
    public void Apply_MatchesRotateHalfDefinition()
    {
        using var rotary = new RotaryEmbedding(4, 16, 100);
        using var x = randn(1, 1, 3, 4);
        using var y = rotary.Apply(x);
        // position p, pair (j, j + 2): angle p * 100^(-2j/4)
        for (var p = 0; p < 3; p++)
        {
            for (var j = 0; j < 2; j++)
            {
                var angle = p * Math.Pow(100, -2.0 * j / 4);
                var (a, b) = (x[0, 0, p, j].item<float>(), x[0, 0, p, j + 2].item<float>());
                Assert.Equal(a * Math.Cos(angle) - b * Math.Sin(angle), y[0, 0, p, j].item<float>(), 5);
                Assert.Equal(b * Math.Cos(angle) + a * Math.Sin(angle), y[0, 0, p, j + 2].item<float>(), 5);
            }
        }
    }
}
