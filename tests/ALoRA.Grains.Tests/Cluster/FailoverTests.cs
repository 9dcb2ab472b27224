using ALoRA.Abstractions.Grains;
using ALoRA.Abstractions.Trials;

namespace ALoRA.Grains.Tests.Cluster;

/// <summary>Silo loss, stale trainers and whole-cluster restarts, with the fake engine.</summary>
public sealed class FailoverTests
{
    [Fact]
    public async Task KillSilo_HostingARunningTrial_TrialResumesElsewhereFromItsCheckpoint_HistoryContinuous_OneResult()
    {
        var engine = new FakeTrainingEngine { Steps = 12, CheckpointEvery = 2 };
        using var hold = new ManualResetEventSlim(false);
        engine.BeforeStep = (_, attempt, step) =>
        {
            if (attempt == 1 && step == 6)
            {
                hold.Wait(TimeSpan.FromSeconds(30)); // attempt 1 stops after its step-4 checkpoint and step 5
            }
        };
        await using var h = await ClusterHarness.StartAsync(engine: engine);
        await h.Sweep("killed").SubmitAsync(Specs.Parsed(Specs.Grid("killed", seeds: 1, learningRates: 1, loraOnly: true)));
        var running = await h.WaitForAsync(() => h.Sweep("killed").GetStatusAsync(), s => s.Trials[0].Step == 5, what: "step 5");
        var trial = running.Trials[0];
        var victim = h.Cluster.Silos.Single(s => trial.Trainer!.StartsWith(s.Name + "/", StringComparison.Ordinal));

        await h.Cluster.KillSiloAsync(victim);
        var done = await h.WaitForSweepAsync("killed", timeout: TimeSpan.FromSeconds(60));
        hold.Set();

        var finished = Assert.Single(done.Trials);
        Assert.Equal(TrialState.Completed, finished.State);
        Assert.Equal(2, finished.Attempt);
        Assert.Equal(1, finished.InfrastructureRetries);
        Assert.DoesNotContain(victim.Name + "/", finished.Trainer ?? "");
        var resumed = engine.Starts.Single(s => s.Attempt == 2);
        Assert.Equal(4, resumed.FromStep);

        var details = await h.Client.GetGrain<IExperimentGrain>(finished.TrialId).GetDetailsAsync();
        Assert.Equal(12, details.StepLosses.Count);
        Assert.Equal(Enumerable.Range(1, 12).Select(s => 1.0 / s), details.StepLosses);
        Assert.Single(engine.Completions, c => c.TrialId == finished.TrialId);
    }

    [Fact]
    public async Task StaleTrainer_LateReportAndResult_AreRejected()
    {
        await using var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 1, engine: new FakeTrainingEngine { Steps = 3 });
        await h.Sweep("stale").SubmitAsync(Specs.Parsed(Specs.Grid("stale", seeds: 1, learningRates: 1, loraOnly: true)));
        var status = await h.WaitForSweepAsync("stale");
        var experiment = h.SiloGrains.GetGrain<IExperimentGrain>(status.Trials[0].TrialId);

        // Attempt 1 finished; a report or result carrying attempt 0 or a future attempt is refused and changes nothing.
        var late = new TrialProgress { TrialId = status.Trials[0].TrialId, Attempt = 0, Kind = TrialProgressKind.Step, Step = 1, Loss = 99 };
        Assert.False((await experiment.ReportProgressAsync(0, "", [late])).Accepted);
        Assert.False(await experiment.CompleteAsync(0, "", new TrialResult { Method = "lora", TestMetric = 0.01 }));
        Assert.False(await experiment.FailAsync(2, "", "late", AttemptFailure.Training));
        var after = await experiment.GetDetailsAsync();
        Assert.Equal(TrialState.Completed, after.Status.State);
        Assert.DoesNotContain(99.0, after.StepLosses);
        Assert.NotEqual(0.01, after.Status.Result!.TestMetric);
    }

    [Fact]
    public async Task StaleTrainer_WhileAnotherAttemptOwnsTheTrial_IsRejectedAndStops_TrialCompletesOnce()
    {
        var engine = new FakeTrainingEngine { Steps = 40, StepDelay = TimeSpan.FromMilliseconds(5) };
        await using var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 2, engine: engine);
        await h.Sweep("fence").SubmitAsync(Specs.Parsed(Specs.Grid("fence", seeds: 1, learningRates: 1, loraOnly: true)));
        var running = await h.WaitForAsync(() => h.Sweep("fence").GetStatusAsync(), s => s.Trials[0].Step >= 2, what: "step 2");
        var experiment = h.SiloGrains.GetGrain<IExperimentGrain>(running.Trials[0].TrialId);

        // Another trainer takes the trial behind the first one's back (as after a partition): attempt 2 begins, so
        // attempt 1 is stale. Its next report is refused and it stops without a result; the trainer goes back to the
        // scheduler, which sees it lost its trial and requeues it; the intruder never reports, so attempt 3 finishes.
        var second = await experiment.BeginAttemptAsync("intruder/cpu:9@nowhere");
        Assert.Equal(2, second!.Attempt);
        var done = await h.WaitForSweepAsync("fence");

        Assert.DoesNotContain(engine.Completions, c => c.Attempt == 1);
        var completion = Assert.Single(engine.Completions);
        Assert.Equal(3, completion.Attempt);
        Assert.Equal(TrialState.Completed, done.Trials[0].State);
        var details = await experiment.GetDetailsAsync();
        Assert.Equal(Enumerable.Range(1, 40).Select(s => 1.0 / s), details.StepLosses);
        Assert.Contains(details.Attempts, a => a.StartsWith("attempt 2 on intruder/cpu:9@nowhere", StringComparison.Ordinal) && a.EndsWith(": lost (its trainer vanished unnoticed)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WholeClusterRestart_FileStorage_KeepsSweepAndResults_AndUnfinishedTrialsContinue()
    {
        var engine = new FakeTrainingEngine { Steps = 8, StepDelay = TimeSpan.FromMilliseconds(5) };
        using var hold = new ManualResetEventSlim(false);
        var completedBefore = 0;
        engine.BeforeStep = (_, attempt, _) =>
        {
            if (attempt == 1 && Volatile.Read(ref completedBefore) >= 2)
            {
                hold.Wait(TimeSpan.FromSeconds(30));
            }
        };
        var h = await ClusterHarness.StartAsync(engine: engine, directory: Directory.CreateTempSubdirectory("alora-restart-").FullName);
        try
        {
            await h.Sweep("restart").SubmitAsync(Specs.Parsed(Specs.Grid("restart", seeds: 2, maxConcurrent: 2)));
            var before = await h.WaitForAsync(() => h.Sweep("restart").GetStatusAsync(), s => s.Count(TrialState.Completed) >= 2, what: "2 results");
            Interlocked.Exchange(ref completedBefore, 2);
            var finishedIds = before.Trials.Where(t => t.State == TrialState.Completed).Select(t => (t.TrialId, t.Result!.TestMetric)).ToList();

            await h.RestartAsync();
            hold.Set();

            var after = await h.WaitForSweepAsync("restart", timeout: TimeSpan.FromSeconds(60));
            Assert.Equal(8, after.Trials.Count);
            Assert.All(after.Trials, t => Assert.Equal(TrialState.Completed, t.State));
            foreach (var (id, metric) in finishedIds)
            {
                var t = after.Trials.Single(x => x.TrialId == id);
                Assert.Equal(metric, t.Result!.TestMetric);
                Assert.Equal(1, t.Attempt);
            }

            Assert.Equal(8, engine.Completions.Select(c => c.TrialId).Distinct().Count());
        }
        finally
        {
            hold.Set();
            await h.DisposeAsync();
            Directory.Delete(h.Directory, recursive: true);
        }
    }
}
