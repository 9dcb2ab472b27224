using ALoRA.Engine.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ALoRA.Engine.Tests.Training;

public sealed class LoraAdamWTests
{
    public LoraAdamWTests() => Samples.EnsureTorch();

    [Fact]
    public void Step_MatchesTorchAdamW()
    {
        manual_seed(3);
        using var init = randn(4, 5);
        var mine = new Parameter(init.clone());
        var theirs = new Parameter(init.clone());
        using var opt = new LoraAdamW([("w", mine)], weightDecay: 0.01);
        using var reference = optim.AdamW([theirs], lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.01);
        for (var i = 0; i < 5; i++)
        {
            using var target = randn(4, 5);
            foreach (var p in new[] { mine, theirs })
            {
                using var loss = (p - target).square().sum();
                loss.backward();
            }

            opt.Step(0.01);
            opt.ZeroGrad();
            reference.step();
            reference.zero_grad();
        }

        Assert.True(allclose(mine, theirs, 1e-6, 1e-7), "AdamW update differs from torch.optim.AdamW");
    }

    [Fact]
    public void Resize_KeepsMomentsOfKeptEntries_NewEntriesZero()
    {
        var p = new Parameter(ones(3, 2));
        using var opt = new LoraAdamW([("A", p)]);
        using (var loss = (p * 2).sum())
        {
            loss.backward();
        }

        opt.Step(0.1);
        var (moments, _) = opt.StateDict();
        using var before = moments["A.exp_avg"].clone();
        var grown = new Parameter(zeros(4, 2));
        opt.Resize("A", grown, 0, [0, -1, 2]);
        var (after, steps) = opt.StateDict();
        Assert.True(allclose(after["A.exp_avg"][0], before[0]));
        Assert.True(allclose(after["A.exp_avg"][2], before[2]));
        Assert.Equal(0f, after["A.exp_avg"][1].abs().sum().item<float>());
        Assert.Equal(0f, after["A.exp_avg"][3].abs().sum().item<float>());
        Assert.Equal(1, steps["A"]);
    }
}
