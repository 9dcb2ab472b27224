using ALoRA.Abstractions.Grains;
using ALoRA.Abstractions.Trials;

namespace ALoRA.Grains.Tests.Cluster;

/// <summary>
/// Orleans may replace a trainer's activation while it trains (it deactivates activations whose grain-directory entry
/// lived on a silo that left the cluster). The job belongs to the silo, so the next activation takes it over.
/// </summary>
public sealed class TrainerHandoverTests
{
    [Fact]
    public async Task TrainerDeactivatedWhileTraining_NextActivationTakesTheJobOver_TrialCompletesInOneAttempt()
    {
        var engine = new FakeTrainingEngine { Steps = 12, CheckpointEvery = 100 };
        using var gate = new ManualResetEventSlim(false);
        engine.BeforeStep = (_, _, step) =>
        {
            if (step == 6)
            {
                gate.Wait(TimeSpan.FromSeconds(30));
            }
        };
        await using var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 1, engine: engine);
        await h.Sweep("handover").SubmitAsync(Specs.Parsed(Specs.Grid("handover", seeds: 1, learningRates: 1, loraOnly: true)));
        var running = await h.WaitForAsync(() => h.Sweep("handover").GetStatusAsync(), s => s.Trials[0].Step == 5, what: "step 5");
        var trainer = h.Client.GetGrain<ITrainerGrain>(running.Trials[0].Trainer!.Split('@')[0]);

        await h.Cluster.DeactivateAsync(trainer);
        // The next call (the silo's trainer heartbeat, or this one) activates it again; it reports the job as its own.
        Assert.Equal(running.Trials[0].TrialId, await trainer.GetCurrentTrialAsync());
        gate.Set();
        var done = await h.WaitForSweepAsync("handover");

        var trial = Assert.Single(done.Trials);
        Assert.Equal(TrialState.Completed, trial.State);
        Assert.Equal(1, trial.Attempt);
        Assert.Equal(0, trial.InfrastructureRetries);
        Assert.Single(engine.Starts);
        Assert.Single(engine.Completions);
        var details = await h.Client.GetGrain<IExperimentGrain>(trial.TrialId).GetDetailsAsync();
        Assert.Equal(Enumerable.Range(1, 12).Select(s => 1.0 / s), details.StepLosses);
        Assert.Null(await trainer.GetCurrentTrialAsync());
    }
}
