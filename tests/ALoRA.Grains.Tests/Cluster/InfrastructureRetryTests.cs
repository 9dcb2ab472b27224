using System.Collections.Concurrent;
using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Grains;
using ALoRA.Abstractions.Trials;

namespace ALoRA.Grains.Tests.Cluster;

/// <summary>
/// Attempts that lose their trainer are retried at most <c>Alora:MaxInfrastructureRetries</c> times (issue: a trial that
/// kills its silo, out of memory, crash-looped the cluster because a vanished trainer was retried without limit); a
/// drained trainer's hand-back never counts.
/// </summary>
public sealed class InfrastructureRetryTests
{
    [Fact]
    public async Task TrialWhoseSiloDiesEachTimeItTrains_FailsAfterTheCap_NamingTheLostTrainers_SweepMovesOn()
    {
        // Training never ends by itself: every attempt runs until its silo is killed under it. An in-process silo that is
        // killed still stops its trainers, which would hand the trial back as drained (never counted); a process killed
        // for memory cannot. So the attempt about to be killed is frozen first, as a process running out of memory is:
        // it never gets to see the stop.
        using var finished = new CancellationTokenSource();
        var frozen = new ConcurrentDictionary<int, bool>();
        var engine = new FakeTrainingEngine { Steps = 1_000_000, StepDelay = TimeSpan.FromMilliseconds(5), CheckpointEvery = 1_000_000 };
        engine.BeforeStep = (_, attempt, _) =>
        {
            if (frozen.ContainsKey(attempt))
            {
                finished.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(90));
            }

            finished.Token.ThrowIfCancellationRequested();
        };
        await using var h = await ClusterHarness.StartAsync(silos: 3, trainersPerSilo: 1, engine: engine, clusterOptions: o => o.MaxInfrastructureRetries = 1);
        try
        {
            await h.Sweep("oom-loop").SubmitAsync(Specs.Parsed(Specs.Grid("oom-loop", seeds: 1, learningRates: 1, loraOnly: true)));
            var killed = new List<string>();
            for (var attempt = 1; attempt <= 2; attempt++)
            {
                var running = await h.WaitForAsync(() => h.Sweep("oom-loop").GetStatusAsync(),
                    s => s.Trials[0] is { State: TrialState.Running, Step: >= 1 } t && t.Attempt == attempt, TimeSpan.FromSeconds(90), $"attempt {attempt} training");
                var trainer = running.Trials[0].Trainer!;
                killed.Add(trainer);
                frozen[attempt] = true;
                await Task.Delay(TimeSpan.FromMilliseconds(200)); // steps take 5 ms: it is now held in its next one
                await h.Cluster.KillSiloAsync(h.Cluster.Silos.Single(s => trainer.StartsWith(s.Name + "/", StringComparison.Ordinal)));
            }

            // Two losses with one retry allowed: the trial fails instead of going to the third silo, and the sweep ends.
            var done = await h.WaitForAsync(() => h.Sweep("oom-loop").GetStatusAsync(), s => s.State == SweepState.Completed, TimeSpan.FromSeconds(120), "the sweep to end");
            var trial = Assert.Single(done.Trials);
            Assert.Equal(TrialState.Failed, trial.State);
            Assert.Equal(2, trial.Attempt);
            Assert.Equal(2, trial.InfrastructureRetries);
            Assert.Contains("its attempts kept losing their trainer", trial.Error, StringComparison.Ordinal);
            Assert.Contains("Alora:MaxInfrastructureRetries", trial.Error, StringComparison.Ordinal);
            foreach (var trainer in killed)
            {
                Assert.Contains(trainer, trial.Error, StringComparison.Ordinal);
            }

            // It stays failed: no trainer is given it again (the third silo's trainer stays idle).
            await Task.Delay(TimeSpan.FromSeconds(2));
            var after = await h.Client.GetGrain<IExperimentGrain>(trial.TrialId).GetStatusAsync();
            Assert.Equal((TrialState.Failed, 2), (after.State, after.Attempt));
            Assert.Equal(2, engine.Starts.Count(s => s.TrialId == trial.TrialId));
        }
        finally
        {
            await finished.CancelAsync();
        }
    }

    [Fact]
    public async Task TrainerLostMoreThanTheCap_ReportedByTheScheduler_FailsTheTrial_AResubmissionRunsItAgain()
    {
        // No trainers: the test plays the scheduler, which reports each lost trainer to the experiment.
        await using var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 0, clusterOptions: o => o.MaxInfrastructureRetries = 2);
        var spec = Specs.Parsed(Specs.Grid("lost", seeds: 1, learningRates: 1, loraOnly: true));
        await h.Sweep("lost").SubmitAsync(spec);
        var id = (await h.Sweep("lost").GetStatusAsync()).Trials[0].TrialId;
        var experiment = h.SiloGrains.GetGrain<IExperimentGrain>(id); // trainer methods answer silos only
        for (var i = 1; i <= 3; i++)
        {
            var assignment = await experiment.BeginAttemptAsync($"node-{i}/cpu:0@silo-{i}");
            Assert.Equal(i, assignment!.Attempt);
            await experiment.OnTrainerLostAsync($"node-{i}/cpu:0@silo-{i}", $"its silo silo-{i} is Dead"); // one-way
            var expected = i <= 2 ? TrialState.Queued : TrialState.Failed;
            await h.WaitForAsync(() => experiment.GetStatusAsync(), s => s.State == expected, TimeSpan.FromSeconds(10), $"{expected} after loss {i}");
        }

        var failed = await experiment.GetStatusAsync();
        Assert.Equal(
            "its attempts kept losing their trainer (3 lost, at most 2 retried, Alora:MaxInfrastructureRetries): "
            + "attempt 1 on node-1/cpu:0@silo-1: its silo silo-1 is Dead; attempt 2 on node-2/cpu:0@silo-2: its silo silo-2 is Dead; "
            + "attempt 3 on node-3/cpu:0@silo-3: its silo silo-3 is Dead",
            failed.Error);
        Assert.Null(await experiment.BeginAttemptAsync("node-4/cpu:0@silo-4"));
        var sweep = await h.WaitForSweepAsync("lost", timeout: TimeSpan.FromSeconds(30));
        Assert.Equal(TrialState.Failed, sweep.Trials[0].State);

        // A trainer that vanished unnoticed (another one begins the trial) counts the same; a resubmission starts the count
        // again (attempts 4 to 6 are lost, the fourth begin finds one loss too many).
        await h.Sweep("lost").SubmitAsync(spec);
        Assert.Equal(TrialState.Queued, (await experiment.GetStatusAsync()).State);
        for (var i = 5; i <= 7; i++)
        {
            Assert.NotNull(await experiment.BeginAttemptAsync($"node-{i}/cpu:0@silo-{i}"));
        }

        Assert.Null(await experiment.BeginAttemptAsync("node-8/cpu:0@silo-8"));
        var again = await experiment.GetStatusAsync();
        Assert.Equal(TrialState.Failed, again.State);
        Assert.Contains("(3 lost, at most 2 retried", again.Error, StringComparison.Ordinal);
        Assert.Contains("attempt 6 on node-7/cpu:0@silo-7: its trainer vanished unnoticed", again.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("silo-1", again.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResultThatCannotBeStored_CountsTowardTheCap_InsteadOfBeingRetriedForEver_ADrainNeverCounts()
    {
        // A final adapter that cannot be written (a full disk) ends the attempt as AttemptFailure.Storage; before the
        // cap it was retried without limit, each attempt training to the end again.
        await using var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 0, clusterOptions: o => o.MaxInfrastructureRetries = 1);
        await h.Sweep("unstorable").SubmitAsync(Specs.Parsed(Specs.Grid("unstorable", seeds: 1, learningRates: 1, loraOnly: true)));
        var id = (await h.Sweep("unstorable").GetStatusAsync()).Trials[0].TrialId;
        var experiment = h.SiloGrains.GetGrain<IExperimentGrain>(id);

        var drained = await experiment.BeginAttemptAsync("node-0/cpu:0@silo-0");
        Assert.True(await experiment.FailAsync(drained!.Attempt, drained.Lease, "its trainer was drained", AttemptFailure.Drained));
        for (var i = 1; i <= 2; i++)
        {
            var attempt = await experiment.BeginAttemptAsync($"node-{i}/cpu:0@silo-{i}");
            var requeued = await experiment.FailAsync(attempt!.Attempt, attempt.Lease, $"adapter {i}: No space left on device", AttemptFailure.Storage);
            Assert.Equal(i == 1, requeued);
        }

        var failed = await experiment.GetStatusAsync();
        Assert.Equal(TrialState.Failed, failed.State);
        Assert.Contains("(2 lost, at most 1 retried, Alora:MaxInfrastructureRetries)", failed.Error, StringComparison.Ordinal);
        Assert.Contains("attempt 3 on node-2/cpu:0@silo-2: adapter 2: No space left on device", failed.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("drained", failed.Error, StringComparison.Ordinal);
        Assert.Null(await experiment.BeginAttemptAsync("node-3/cpu:0@silo-3"));
    }

    [Fact]
    public async Task DrainedTrainer_HandsItsTrialBack_WithoutCounting_EvenWithNoRetriesAllowed()
    {
        // With no infrastructure retry allowed, a drain that counted would fail the trial; an orderly stop never may.
        var engine = new FakeTrainingEngine { Steps = 200, StepDelay = TimeSpan.FromMilliseconds(10), CheckpointEvery = 5 };
        await using var h = await ClusterHarness.StartAsync(silos: 2, trainersPerSilo: 1, engine: engine, clusterOptions: o => o.MaxInfrastructureRetries = 0);
        await h.Sweep("drained").SubmitAsync(Specs.Parsed(Specs.Grid("drained", seeds: 1, learningRates: 1, loraOnly: true)));
        var running = await h.WaitForAsync(() => h.Sweep("drained").GetStatusAsync(), s => s.Trials[0].Step >= 10, TimeSpan.FromSeconds(60), "step 10");
        var trainer = running.Trials[0].Trainer!;
        await h.Cluster.StopSiloAsync(h.Cluster.Silos.Single(s => trainer.StartsWith(s.Name + "/", StringComparison.Ordinal)));

        var done = await h.WaitForSweepAsync("drained", timeout: TimeSpan.FromSeconds(90));
        var trial = Assert.Single(done.Trials);
        Assert.Equal(TrialState.Completed, trial.State);
        Assert.Equal(2, trial.Attempt);
        Assert.Equal(1, trial.InfrastructureRetries);
        var details = await h.Client.GetGrain<IExperimentGrain>(trial.TrialId).GetDetailsAsync();
        Assert.Contains(details.Attempts, a => a.Contains("released (its trainer was drained)", StringComparison.Ordinal));
        Assert.DoesNotContain(details.Attempts, a => a.Contains(": lost", StringComparison.Ordinal));
    }
}
