using ALoRA.Abstractions.Grains;
using ALoRA.Abstractions.Trials;
using ALoRA.Grains.Tests.Training;
using ALoRA.Grains.Training;

namespace ALoRA.Grains.Tests.Cluster;

/// <summary>Failover with the real TorchSharp engine training stories260K.</summary>
[Collection(EngineCollection.Name)]
public sealed class RealEngineFailoverTests
{
    [Fact]
    public async Task KillSilo_RealTrainingOfStories260K_ResumesOnTheOtherSiloFromItsCheckpoint_SameLossesAsAStraightRun()
    {
        EngineSamples.EnsureTorch();
        var spec = $$"""
            id: real-kill
            model: {{RepositoryPaths.Stories260K}}
            data: {{EngineSamples.SmallSst2}}
            task: sst2
            seeds: [3]
            method: lora
            training: {learning_rate: 5.0e-3, batch_size: 16, max_steps: 60, eval_every_steps: 30, checkpoint_every_steps: 10, max_sequence_length: 64, max_dev_examples: 32}
            """;
        var engine = new AloraTrainingEngine(new AloraTrainingEngineOptions { Threads = EngineSamples.Threads });
        await using var h = await ClusterHarness.StartAsync(silos: 2, trainersPerSilo: 1, realEngine: engine);
        await h.Sweep("real-kill").SubmitAsync(Specs.Parsed(spec));
        var running = await h.WaitForAsync(() => h.Sweep("real-kill").GetStatusAsync(), s => s.Trials[0].Step >= 15, TimeSpan.FromSeconds(120), "step 15");
        var trial = running.Trials[0];
        var victim = h.Cluster.Silos.Single(s => trial.Trainer!.StartsWith(s.Name + "/", StringComparison.Ordinal));

        await h.Cluster.KillSiloAsync(victim);
        var done = await h.WaitForSweepAsync("real-kill", timeout: TimeSpan.FromSeconds(180));

        var finished = Assert.Single(done.Trials);
        Assert.Equal(TrialState.Completed, finished.State);
        Assert.Equal(2, finished.Attempt);
        Assert.Equal(1, finished.InfrastructureRetries);
        Assert.StartsWith(h.Cluster.Silos.Single().Name + "/", finished.Trainer);
        var details = await h.Client.GetGrain<IExperimentGrain>(finished.TrialId).GetDetailsAsync();
        Assert.Contains(details.Attempts, a => a.StartsWith("attempt 2: resumed from the checkpoint at step ", StringComparison.Ordinal));
        Assert.Equal(60, details.StepLosses.Count);
        Assert.All(details.StepLosses, l => Assert.True(double.IsFinite(l)));

        // Resuming is exact: the same trial trained straight through gives the same loss at every step.
        var straightDir = Directory.CreateTempSubdirectory("alora-straight-").FullName;
        try
        {
            var losses = new List<double>();
            var assignment = new TrialAssignment { Spec = (await h.Client.GetGrain<IExperimentGrain>(finished.TrialId).GetDetailsAsync()).Spec, Attempt = 1 };
            var straight = engine.Run(assignment, new TrialWorkspace(straightDir), "cpu", p =>
            {
                if (p.Kind == TrialProgressKind.Step)
                {
                    losses.Add(p.Loss!.Value);
                }
            }, CancellationToken.None);
            Assert.Equal(losses, details.StepLosses);
            Assert.Equal(straight.TestLoss, finished.Result!.TestLoss, 9);
        }
        finally
        {
            Directory.Delete(straightDir, recursive: true);
        }
    }
}
