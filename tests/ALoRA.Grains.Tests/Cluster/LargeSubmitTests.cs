using System.Diagnostics;
using System.Globalization;
using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Trials;

namespace ALoRA.Grains.Tests.Cluster;

/// <summary>
/// Large submissions (issue: a 100,000-trial sweep hit the 30 s call timeout half-created, about 49,000 trials written
/// and none queued): the trials are created in batches, the submit answers within its call timeout and the rest is
/// created in the background; a creation cut short continues where it stopped, and a half-created sweep never looks
/// finished or loses trials. The silos do not train, so every created trial stays queued.
/// </summary>
public sealed class LargeSubmitTests
{
    [Fact]
    public async Task TwentyThousandTrials_SubmitAnswersWithinTheCallTimeout_EveryTrialCreatedAndQueuedOnce()
    {
        await using var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 0);
        var watch = Stopwatch.StartNew();
        var submitted = await h.Sweep("large").SubmitAsync(Specs.Parsed(Spec("large", seeds: 20, learningRates: 1000)));
        var answeredIn = watch.Elapsed;

        // Answered well inside the 30 s call timeout (before, all experiments were initialised inside the call).
        Assert.True(answeredIn < TimeSpan.FromSeconds(25), $"submit answered after {answeredIn}");
        Assert.Equal(20_000, submitted.Trials);
        Assert.Equal(submitted.Creating ? submitted.Created : 20_000, submitted.Created);
        var done = await h.WaitForAsync(() => h.Sweep("large").GetStatusAsync(), s => s.State != SweepState.Creating,
            TimeSpan.FromMinutes(5), "the trials to be created");
        Assert.Equal(SweepState.Running, done.State);
        Assert.Equal(20_000, done.Created);
        Assert.All(done.Trials, t => Assert.Equal((TrialState.Queued, 1L), (t.State, t.Version)));
        Assert.Equal(20_000, (await h.Scheduler.GetClusterStatusAsync()).Queued);
        Assert.Equal(20_000, h.Calls.Count("IExperimentGrain/InitializeAsync"));
    }

    [Fact]
    public async Task CreationCutShort_SweepStaysCreating_ItsNextActivationContinues_NoTrialLostOrQueuedTwice()
    {
        await using var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 0);
        var initialised = 0;
        h.Calls.Reject = (method, _) => method == "IExperimentGrain/InitializeAsync" && Interlocked.Increment(ref initialised) > 2_000;
        var spec = Specs.Parsed(Spec("cut", seeds: 6, learningRates: 1000));
        await Assert.ThrowsAnyAsync<Exception>(() => h.Sweep("cut").SubmitAsync(spec));

        // Stored as creating: it must not look finished, even though every trial it holds a status of is settled or queued.
        var cut = await h.Sweep("cut").GetStatusAsync();
        Assert.Equal(SweepState.Creating, cut.State);
        Assert.InRange(cut.Created, 0, 2_000);
        Assert.Equal(6_000, cut.Trials.Count);

        // The silo goes away; the next activation (here a status read) continues from the stored count.
        h.Calls.Reject = null;
        await h.RestartAsync();
        var done = await h.WaitForAsync(() => h.Sweep("cut").GetStatusAsync(), s => s.State != SweepState.Creating,
            TimeSpan.FromMinutes(3), "the creation to continue");
        Assert.Equal(SweepState.Running, done.State);
        Assert.Equal(6_000, done.Created);
        Assert.All(done.Trials, t => Assert.Equal(TrialState.Queued, t.State));
        Assert.Equal(6_000, (await h.Scheduler.GetClusterStatusAsync()).Queued);

        // A repeated submit of the finished creation queues nothing twice.
        var again = await h.Sweep("cut").SubmitAsync(spec);
        Assert.Equal((true, false, 6_000), (again.Existing, again.Creating, again.Created));
        Assert.Equal(6_000, (await h.Scheduler.GetClusterStatusAsync()).Queued);
    }

    /// <summary>lora only, <paramref name="seeds"/> seeds x <paramref name="learningRates"/> learning rates.</summary>
    internal static string Spec(string id, int seeds, int learningRates)
    {
        var lrs = string.Join(", ", Enumerable.Range(1, learningRates).Select(i => (i * 1e-6).ToString("R", CultureInfo.InvariantCulture)));
        return $$"""
            id: {{id}}
            model: {{RepositoryPaths.Stories260K}}
            data: {{RepositoryPaths.Sst2}}
            task: sst2
            metric: dev_accuracy
            seeds: [{{string.Join(", ", Enumerable.Range(1, seeds))}}]
            method: lora
            training:
              learning_rate: {grid_search: [{{lrs}}]}
              max_steps: 20
            """;
    }
}
