using ALoRA.Abstractions.Grains;
using ALoRA.Abstractions.Trials;
using ALoRA.Grains.Tests.Training;
using ALoRA.Grains.Training;

namespace ALoRA.Grains.Tests.Cluster;

/// <summary>
/// Issue 13, point 8: a trial is a function of its settings. The same short ALoRA trial (allocation rounds, new ranks,
/// adapter dropout) run by two trainers of one silo at the same time, and then alone, gives the same loss at every
/// step, bit for bit, and the same dev and test results (docs/engine-notes.md, "Reproducibility", says what is and is not reproducible).
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class ReproducibleTrialTests
{
    private static string Spec(string id) => $$"""
        id: {{id}}
        model: {{RepositoryPaths.Stories260K}}
        data: {{EngineSamples.SmallSst2}}
        task: sst2
        seeds: [5]
        method: alora
        lora: {r: 4, lora_dropout: 0.1}
        training: {learning_rate: 5.0e-3, batch_size: 16, max_steps: 16, eval_every_steps: 8, checkpoint_every_steps: null, max_sequence_length: 64, max_dev_examples: 16}
        alora: {k1: 8steps, k2: 4steps, n_rounds: 2, val_batch_size: 8}
        """;

    [Fact]
    public async Task SameTrial_TwoAtOnceInOneSilo_ThenAlone_SameLossesBitForBit()
    {
        EngineSamples.EnsureTorch();
        var engine = new AloraTrainingEngine(new AloraTrainingEngineOptions { Threads = EngineSamples.Threads });
        await using var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 2, realEngine: engine);

        await h.Sweep("rep-a").SubmitAsync(Specs.Parsed(Spec("rep-a")));
        await h.Sweep("rep-b").SubmitAsync(Specs.Parsed(Spec("rep-b")));
        await h.WaitForAsync(
            async () => (await h.Sweep("rep-a").GetStatusAsync(), await h.Sweep("rep-b").GetStatusAsync()),
            s => s.Item1.Trials[0].State == TrialState.Running && s.Item2.Trials[0].State == TrialState.Running && s.Item1.Trials[0].Step >= 1 && s.Item2.Trials[0].Step >= 1,
            TimeSpan.FromMinutes(10), "both trials training at once");
        // Deadlines, not expectations: alone on 2 cores the trial takes well under a minute; they allow for a loaded machine.
        var a = Assert.Single((await h.WaitForSweepAsync("rep-a", timeout: TimeSpan.FromMinutes(10))).Trials);
        var b = Assert.Single((await h.WaitForSweepAsync("rep-b", timeout: TimeSpan.FromMinutes(10))).Trials);
        Assert.Equal(await Losses(h, a.TrialId), await Losses(h, b.TrialId)); // the two that ran at once
        await h.Sweep("rep-c").SubmitAsync(Specs.Parsed(Spec("rep-c")));
        var c = Assert.Single((await h.WaitForSweepAsync("rep-c", timeout: TimeSpan.FromMinutes(10))).Trials);

        var runs = new[] { a, b, c };
        Assert.All(runs, t => Assert.Equal(TrialState.Completed, t.State));
        Assert.Equal(3, runs.Select(t => t.TrialId).Distinct().Count()); // three trials (one per sweep) of the same settings
        var first = await Losses(h, a.TrialId);
        Assert.Equal(16, first.Count);
        Assert.Equal(first, await Losses(h, c.TrialId)); // and alone
        Assert.All(runs.Skip(1), t => Assert.Equal(BitConverter.DoubleToInt64Bits(a.Result!.TestLoss), BitConverter.DoubleToInt64Bits(t.Result!.TestLoss)));
        Assert.All(runs.Skip(1), t => Assert.Equal(a.Result!.TestMetric, t.Result!.TestMetric));
        Assert.All(runs.Skip(1), t => Assert.Equal(a.Result!.DevMetric, t.Result!.DevMetric));
        Assert.All(runs.Skip(1), t => Assert.Equal(a.Result!.FinalAllocation, t.Result!.FinalAllocation));
        Assert.Equal(2, a.Result!.AllocationRounds);
    }

    /// <summary>A trial's loss at every step, as raw bits (so that -0.0 against 0.0 or two different NaNs would show).</summary>
    private static async Task<List<long>> Losses(ClusterHarness h, string trialId) =>
        (await h.Client.GetGrain<IExperimentGrain>(trialId).GetDetailsAsync()).StepLosses.Select(BitConverter.DoubleToInt64Bits).ToList();
}
