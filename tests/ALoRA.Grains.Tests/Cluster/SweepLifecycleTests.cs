using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Trials;
using ALoRA.Grains.Trainers;

namespace ALoRA.Grains.Tests.Cluster;

/// <summary>Sweeps on a real in-process cluster (2 silos x 2 trainers) with the fake engine.</summary>
public sealed class SweepLifecycleTests
{
    [Fact]
    public async Task Sweep_20Trials_On4TrainersOf2Silos_EveryTrialRunsExactlyOnceAndCompletes()
    {
        await using var h = await ClusterHarness.StartAsync();
        var submitted = await h.Sweep("grid20").SubmitAsync(Specs.Parsed(Specs.Grid("grid20", seeds: 5)));
        Assert.Equal(20, submitted.Trials);

        var status = await h.WaitForSweepAsync("grid20");
        Assert.All(status.Trials, t => Assert.Equal(TrialState.Completed, t.State));
        Assert.All(status.Trials, t => Assert.Equal(1, t.Attempt));
        Assert.Equal(20, h.Engine.Starts.Select(s => s.TrialId).Distinct().Count());
        Assert.Equal(20, h.Engine.Starts.Count);
        Assert.Equal(20, h.Engine.Completions.Count);
        // Work was spread over the trainers of both silos.
        Assert.True(status.Trials.Select(t => TrainerKeys.SiloOf(t.Trainer!)).Distinct().Count() == 2, "both silos must have trained");
        var cluster = await h.Scheduler.GetClusterStatusAsync();
        Assert.Equal(4, cluster.Trainers.Count);
        Assert.Equal(2, cluster.Trainers.Select(t => t.SiloAddress).Distinct().Count());
        Assert.Equal(0, cluster.Queued);
        Assert.Equal(0, cluster.Running);
        Assert.All(cluster.Trainers, t => Assert.Null(t.Trial));
    }

    [Fact]
    public async Task Sweep_MaxConcurrentTrials_IsNeverExceeded()
    {
        var engine = new FakeTrainingEngine { StepDelay = TimeSpan.FromMilliseconds(10) };
        var peak = 0;
        engine.BeforeStep = (_, _, _) =>
        {
            var now = engine.Running.Count;
            int seen;
            while ((seen = Volatile.Read(ref peak)) < now && Interlocked.CompareExchange(ref peak, now, seen) != seen)
            {
            }
        };
        await using var h = await ClusterHarness.StartAsync(engine: engine);
        await h.Sweep("limited").SubmitAsync(Specs.Parsed(Specs.Grid("limited", seeds: 2, maxConcurrent: 2)));
        await h.WaitForSweepAsync("limited");
        Assert.Equal(2, peak);
    }

    [Fact]
    public async Task Cancel_MidSweep_StopsRunningTrialsPromptly_FreesTrainers_LeavesNothingQueued()
    {
        var engine = new FakeTrainingEngine { Steps = 1000, StepDelay = TimeSpan.FromMilliseconds(5) };
        await using var h = await ClusterHarness.StartAsync(engine: engine);
        await h.Sweep("cancelme").SubmitAsync(Specs.Parsed(Specs.Grid("cancelme", seeds: 5)));
        await h.WaitForAsync(() => Task.FromResult(engine.Running.Count), n => n == 4, what: "4 running trials");

        var started = DateTime.UtcNow;
        await h.Sweep("cancelme").CancelAsync();
        await h.WaitForAsync(() => Task.FromResult(engine.Running.Count), n => n == 0, TimeSpan.FromSeconds(5), "running trials to stop");
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));

        var status = await h.Sweep("cancelme").GetStatusAsync();
        Assert.Equal(SweepState.Cancelled, status.State);
        Assert.All(status.Trials, t => Assert.Equal(TrialState.Cancelled, t.State));
        var cluster = await h.WaitForAsync(() => h.Scheduler.GetClusterStatusAsync(), c => c.Trainers.All(t => t.Trial is null), what: "trainers to be free");
        Assert.Equal(0, cluster.Queued);
        Assert.Equal(0, cluster.Running);
        Assert.Equal(4, engine.Starts.Count);
    }

    [Fact]
    public async Task TrainingFailure_IsRetriedWithinItsBudget_ThenFailsWithTheReason_WithoutStallingTheSweep()
    {
        var engine = new FakeTrainingEngine();
        string? victim = null;
        engine.BeforeStep = (trial, _, step) =>
        {
            if (step == 3 && (Interlocked.CompareExchange(ref victim, trial, null) ?? trial) == trial)
            {
                throw new InvalidDataException("data/train.jsonl: line 7 is not JSON");
            }
        };
        await using var h = await ClusterHarness.StartAsync(engine: engine);
        await h.Sweep("flaky").SubmitAsync(Specs.Parsed(Specs.Grid("flaky", seeds: 2)));
        var status = await h.WaitForSweepAsync("flaky");

        var failed = Assert.Single(status.Trials, t => t.State == TrialState.Failed);
        Assert.Equal(victim, failed.TrialId);
        Assert.Equal(3, failed.TrialFailures); // first run + 2 retries
        Assert.Equal(3, failed.Attempt);
        Assert.Contains("line 7 is not JSON", failed.Error);
        Assert.Equal(7, status.Count(TrialState.Completed));
    }

    [Fact]
    public async Task Resubmit_ReusesFinishedTrials_AndRunsNothingTwice()
    {
        await using var h = await ClusterHarness.StartAsync();
        await h.Sweep("again").SubmitAsync(Specs.Parsed(Specs.Grid("again", seeds: 2)));
        await h.WaitForSweepAsync("again");
        var again = await h.Sweep("again").SubmitAsync(Specs.Parsed(Specs.Grid("again", seeds: 2)));
        Assert.True(again.Existing);
        Assert.Equal(8, again.Reused);
        await h.WaitForSweepAsync("again");
        Assert.Equal(8, h.Engine.Starts.Count);
    }

    [Fact]
    public async Task Submit_SpecWithAnotherId_IsRejected()
    {
        await using var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 1);
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => h.Sweep("other").SubmitAsync(Specs.Parsed(Specs.Grid("mine", seeds: 1))));
        Assert.Contains("'mine'", ex.Message);
    }

    [Fact]
    public async Task Trainers_AreActivatedOnTheSiloTheirKeyNames()
    {
        await using var h = await ClusterHarness.StartAsync();
        var cluster = await h.WaitForAsync(() => h.Scheduler.GetClusterStatusAsync(), c => c.Trainers.Count == 4, what: "4 trainers");
        foreach (var trainer in cluster.Trainers)
        {
            var silo = h.Cluster.Silos.Single(s => s.SiloAddress.ToParsableString() == trainer.SiloAddress);
            Assert.StartsWith(silo.Name + "/", trainer.Key);
        }
    }
}
