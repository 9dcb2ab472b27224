using ALoRA.Abstractions.Grains;
using ALoRA.Abstractions.Trials;

namespace ALoRA.Grains.Tests.Cluster;

/// <summary>
/// A trial's experiment grain may be deactivated while its trial trains: its silo stops (a rolling restart), or the
/// silo that held its grain-directory entry leaves the cluster. Step losses and evaluations are written with the next
/// checkpoint or state change, so the deactivation must write what arrived since: the next activation reads it back
/// and the loss history stays whole (found by the two-silo rolling restart on Redis, which left NaN holes).
/// </summary>
public sealed class ExperimentHandoverTests
{
    [Fact]
    public async Task ExperimentDeactivatedWhileItsTrialTrains_KeepsTheStepsReportedSinceItsLastWrite()
    {
        // No checkpoint (and so no write) between the start and the end: steps 1-5 live only in the activation.
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
        await h.Sweep("exp-handover").SubmitAsync(Specs.Parsed(Specs.Grid("exp-handover", seeds: 1, learningRates: 1, loraOnly: true)));
        var running = await h.WaitForAsync(() => h.Sweep("exp-handover").GetStatusAsync(), s => s.Trials[0].Step == 5, what: "step 5");
        var experiment = h.Client.GetGrain<IExperimentGrain>(running.Trials[0].TrialId);

        await h.Cluster.DeactivateAsync(experiment);
        Assert.Equal(Enumerable.Range(1, 5).Select(s => 1.0 / s), (await experiment.GetDetailsAsync()).StepLosses);
        gate.Set();
        var done = await h.WaitForSweepAsync("exp-handover");

        var trial = Assert.Single(done.Trials);
        Assert.Equal(TrialState.Completed, trial.State);
        Assert.Equal(1, trial.Attempt);
        var details = await experiment.GetDetailsAsync();
        Assert.Equal(Enumerable.Range(1, 12).Select(s => 1.0 / s), details.StepLosses);
    }
}
