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

    /// <summary>
    /// Issue 13: a rank added by a re-allocation inherited its parameter's step count, so its bias correction did not
    /// start again and its first updates were several times the learning rate. Each entry now has its own count: the new
    /// row of a resized parameter moves exactly as a fresh parameter of the same values does under torch's AdamW.
    /// </summary>
    [Fact]
    public void NewEntries_AfterResize_StepLikeAFreshParameterUnderTorchAdamW()
    {
        manual_seed(5);
        var p = new Parameter(randn(2, 3));
        using var opt = new LoraAdamW([("A", p)]);
        for (var i = 0; i < 50; i++)
        {
            using var target = randn(2, 3);
            using var loss = (p - target).square().sum();
            loss.backward();
            opt.Step(0.01);
            opt.ZeroGrad();
        }

        using var newRow = randn(1, 3);
        var grown = new Parameter(cat([p.detach(), newRow]));
        opt.Resize("A", grown, 0, [0, 1]);
        var fresh = new Parameter(newRow.clone());
        using var reference = optim.AdamW([fresh], lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0);
        Assert.Equal([50L, 50, 0], opt.EntrySteps("A", 0));
        for (var i = 0; i < 5; i++)
        {
            using var target = randn(1, 3);
            using (var loss = (grown[2] - target[0]).square().sum())
            {
                loss.backward();
            }

            using (var loss = (fresh - target).square().sum())
            {
                loss.backward();
            }

            opt.Step(0.01);
            opt.ZeroGrad();
            reference.step();
            reference.zero_grad();
        }

        Assert.Equal([55L, 55, 5], opt.EntrySteps("A", 0));
        Assert.True(allclose(grown[2], fresh[0], 1e-6, 1e-7), "the new row moves as a fresh parameter under torch AdamW");
    }

    /// <summary>The size of the first update of a new entry, which the issue put at about 3x the learning rate: now 1x.</summary>
    [Fact]
    public void NewEntry_FirstUpdate_IsTheLearningRate_NotThreeTimesIt()
    {
        var p = new Parameter(zeros(1, 2));
        using var opt = new LoraAdamW([("B", p)]);
        for (var i = 0; i < 1000; i++)
        {
            p.grad = ones(1, 2);
            opt.Step(0); // the moments and the step count advance, the parameter does not move
        }

        var grown = new Parameter(zeros(1, 3));
        opt.Resize("B", grown, 1, [0, 1]);
        grown.grad = ones(1, 3);
        opt.Step(0.01);

        // The kept entries: m = v = their converged values, bias corrections about 1 at step 1001: lr x 1.
        // The new entry: m = 0.1 g, v = 0.001 g^2; inheriting step 1001 it would move 0.1 / sqrt(0.001 / (1 - 0.999^1001)) = 2.5x lr.
        Assert.Equal(-0.01f, grown[0, 2].item<float>(), 1e-6f);
        Assert.Equal(-0.01f, grown[0, 0].item<float>(), 1e-4f);
    }

    /// <summary>Per-entry step counts survive a save and restore; state saved without them (older checkpoints) loads with every entry at the parameter's count.</summary>
    [Fact]
    public void EntrySteps_RoundTripThroughStateDict_AndOldStateLoadsWithoutThem()
    {
        var p = new Parameter(ones(2, 4));
        using var opt = new LoraAdamW([("B", p)]);
        for (var i = 0; i < 3; i++)
        {
            p.grad = ones(2, 4);
            opt.Step(0.01);
        }

        var grown = new Parameter(ones(2, 5));
        opt.Resize("B", grown, 1, [0, -1, 1, 2]); // entry 1 dropped, two new entries at 3 and 4
        grown.grad = ones(2, 5);
        opt.Step(0.01);
        var (moments, steps) = opt.StateDict();
        Assert.Equal([1L, 5], moments["B" + LoraAdamW.EntryStepsSuffix].shape);

        var restored = new Parameter(grown.detach().clone());
        using var again = new LoraAdamW([("B", restored)]);
        again.LoadStateDict(moments, steps);
        Assert.Equal([4L, 4, 4, 1, 1], again.EntrySteps("B", 1));
        grown.grad = ones(2, 5);
        restored.grad = ones(2, 5);
        opt.Step(0.01);
        again.Step(0.01);
        Assert.True(allclose(grown, restored, 0, 0), "a restored optimizer steps exactly as the one it was saved from");

        var old = moments.Where(m => !m.Key.EndsWith(LoraAdamW.EntryStepsSuffix, StringComparison.Ordinal)).ToDictionary(m => m.Key, m => m.Value);
        using var fromOld = new LoraAdamW([("B", new Parameter(grown.detach().clone()))]);
        fromOld.LoadStateDict(old, steps);
        Assert.Equal([4L, 4, 4, 4, 4], fromOld.EntrySteps("B", 1));
    }
}
