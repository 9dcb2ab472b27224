using ALoRA.Abstractions.Grains;
using ALoRA.Abstractions.Trials;

namespace ALoRA.Grains.Tests.Cluster;

/// <summary>
/// The silo hosting a trial's experiment grain dies while the trial trains on another silo: the events the experiment
/// had applied but not yet stored are gone with it. The trainer keeps every event the experiment has not stored, the
/// next activation finds the gap by sequence number and asks for them again, and the history comes out whole.
/// </summary>
public sealed class ExperimentLossTests
{
    [Fact]
    public async Task ExperimentSiloKilledWhileTrialTrainsElsewhere_LostStepsAreSentAgain_HistoryHasNoHoles()
    {
        // No checkpoint, so no write between the start and the end: what the experiment applies lives in its activation.
        var engine = new FakeTrainingEngine { Steps = 12, CheckpointEvery = 100 };
        using var atSix = new ManualResetEventSlim(false);
        using var atNine = new ManualResetEventSlim(false);
        engine.BeforeStep = (_, _, step) =>
        {
            (step == 6 ? atSix : step == 9 ? atNine : null)?.Wait(TimeSpan.FromSeconds(60));
        };
        await using var h = await ClusterHarness.StartAsync(silos: 2, trainersPerSilo: 1, engine: engine);
        await h.Sweep("exp-loss").SubmitAsync(Specs.Parsed(Specs.Grid("exp-loss", seeds: 1, learningRates: 1, loraOnly: true)));
        var running = await h.WaitForAsync(() => h.Sweep("exp-loss").GetStatusAsync(), s => s.Trials[0].Step == 5, what: "step 5");
        var experiment = h.Client.GetGrain<IExperimentGrain>(running.Trials[0].TrialId);

        // Put the experiment on the silo that does not train the trial. A migration with that silo as its target moves the
        // activation and updates the directory at once; a deactivation followed by a hinted call could be undone by a
        // directory cache that still names the old silo, which would activate it there again.
        var management = h.Client.GetGrain<IManagementGrain>(0);
        var other = h.Cluster.Silos.Single(s => !running.Trials[0].Trainer!.StartsWith(s.Name + "/", StringComparison.Ordinal));
        for (var tries = 0; await management.GetActivationAddress(experiment) is var at && !Equals(at, other.SiloAddress); tries++)
        {
            Assert.True(tries < 20, $"the experiment stays on {at}, not on {other.SiloAddress} (the silo that does not train its trial)");
            await h.Cluster.MigrateAsync(experiment, other.SiloAddress);
        }

        // Steps 6-8 reach the experiment there and are not stored; then its silo dies.
        atSix.Set();
        await h.WaitForAsync(() => experiment.GetStatusAsync(), s => s.Step == 8, what: "step 8");
        await h.Cluster.KillSiloAsync(other);
        atNine.Set();

        var done = await h.WaitForSweepAsync("exp-loss", timeout: TimeSpan.FromSeconds(90));
        var trial = Assert.Single(done.Trials);
        Assert.Equal((TrialState.Completed, 1), (trial.State, trial.Attempt));
        Assert.Equal(Enumerable.Range(1, 12).Select(s => 1.0 / s), (await experiment.GetDetailsAsync()).StepLosses);
    }

    [Fact]
    public async Task TrialWithoutCheckpoints_ItsExperimentStillWritesAtLeastEveryThousandEvents()
    {
        var engine = new FakeTrainingEngine { Steps = 2500, CheckpointEvery = 100_000, StepDelay = TimeSpan.Zero };
        using var held = new ManualResetEventSlim(false);
        engine.BeforeStep = (_, _, step) =>
        {
            if (step == 2100)
            {
                held.Wait(TimeSpan.FromSeconds(60));
            }
        };
        await using var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 1, engine: engine);
        await h.Sweep("no-ckpt").SubmitAsync(Specs.Parsed(Specs.Grid("no-ckpt", seeds: 1, learningRates: 1, loraOnly: true)));
        var running = await h.WaitForAsync(() => h.Sweep("no-ckpt").GetStatusAsync(), s => s.Trials[0].Step == 2099, what: "step 2099");

        // 2,100 events reported (Started and 2,099 steps), none of them a checkpoint: at most 999 of them may be unstored.
        var file = Assert.Single(Directory.GetFiles(Path.Combine(h.Directory, "state", "experiment"), "*.json", SearchOption.AllDirectories));
        using var stored = System.Text.Json.JsonDocument.Parse(await File.ReadAllBytesAsync(file));
        var state = stored.RootElement.GetProperty("state");
        var storedSequence = state.GetProperty("reported_sequence").GetInt64();
        Assert.InRange(storedSequence, 2100 - 999, 2100);
        Assert.Equal(storedSequence - 1, state.GetProperty("step_losses").GetArrayLength());
        held.Set();
        Assert.Equal(TrialState.Completed, (await h.WaitForSweepAsync("no-ckpt")).Trials[0].State);
    }
}
