using System.Globalization;
using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Grains;
using ALoRA.Abstractions.Trials;
using ALoRA.Grains.Checkpoints;
using ALoRA.Grains.Simulation;
using ALoRA.Grains.Hosting;
using ALoRA.Grains.Tests.Cluster;
using ALoRA.Grains.Training;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace ALoRA.Grains.Tests.Simulation;

/// <summary>A small sweep on the simulated engine through the real grains (scheduler, experiments, file storage, checkpoint store): 1 silo x 4 devices, 20 trials.</summary>
public sealed class SimulatedSweepTests : IDisposable
{
    private readonly SimulationSamples _samples = new();

    public void Dispose() => _samples.Dispose();

    [Fact]
    public async Task TwentyTrials_OneSiloFourDevices_EveryTrialCompletesOnce_NothingLostOrDuplicated()
    {
        // The silo's own settings pick the engine (no engine registered here). About 0.2 s of wall time per trial at
        // this scale: 5 rounds of 4 devices.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Alora:Simulation:Enabled"] = "true",
            ["Alora:Simulation:TimeScale"] = "20000",
            ["Alora:Simulation:ReportInterval"] = "00:00:00.020",
        }).Build();
        using var state = TempDirectory.Create("simulated-sweep");
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.UseAloraSilo(new AloraSiloSetup
            {
                DataDirectory = state.Path,
                Configuration = configuration,
                Trainers = o => { o.DiscoverCuda = false; o.Devices = ["cuda:0", "cuda:1", "cuda:2", "cuda:3"]; o.DeviceMemory = "80GiB"; },
                Cluster = o => { o.SchedulerInterval = TimeSpan.FromMilliseconds(200); o.HeartbeatInterval = TimeSpan.FromMilliseconds(500); },
            });
        });
        await using var cluster = builder.Build();
        await cluster.DeployAsync();
        Assert.IsType<SimulatedTrainingEngine>(cluster.Silos[0].ServiceProvider.GetRequiredService<ITrainingEngine>());
        var sweep = cluster.Client.GetGrain<ISweepCoordinatorGrain>("sim");
        var seeds = string.Join(", ", Enumerable.Range(1, 5));
        var lrs = string.Join(", ", new[] { 1e-4, 3e-4 }.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        var submitted = await sweep.SubmitAsync(Specs.Parsed($$"""
            id: sim
            model: {{_samples.Model}}
            data: {{_samples.Data}}
            task: sst2
            metric: dev_loss
            seeds: [{{seeds}}]
            method: {grid_search: [lora, alora]}
            training: {learning_rate: {grid_search: [{{lrs}}]}, batch_size: 64, max_sequence_length: 512, max_steps: 60, eval_every_steps: 20, checkpoint_every_steps: 20, gradient_checkpointing: true}
            alora: {k1: 20steps, k2: 20steps, n_rounds: 2, scorer: hybrid}
            """));
        Assert.Equal(20, submitted.Trials);

        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        SweepStatus status;
        while ((status = await sweep.GetStatusAsync()).State != SweepState.Completed)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the sweep did not complete in 3 minutes: {status.Count(TrialState.Completed)} of 20 completed");
            await Task.Delay(100);
        }

        Assert.Equal(20, status.Count(TrialState.Completed));

        var store = cluster.Silos[0].ServiceProvider.GetRequiredService<ICheckpointStore>();

        // Each trial trained to its end exactly once, in one attempt (nothing failed over here), and its result is the curve's.
        foreach (var trial in status.Trials)
        {
            var details = await cluster.Client.GetGrain<IExperimentGrain>(trial.TrialId).GetDetailsAsync();
            var attempts = SimulatedTrainingEngine.ReadAttempts(store.TrialPath(trial.TrialId));
            var completed = Assert.Single(attempts, a => a.Outcome == "completed");
            Assert.Equal((0, 60), (completed.StartStep, completed.EndStep));
            var curve = new SimulatedLossCurve(details.Spec);
            Assert.Equal(new[] { 20, 40, 60 }.Min(curve.DevLoss), details.Status.Result!.DevLoss);
        }
    }
}
