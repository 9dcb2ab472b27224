using System.Collections.Concurrent;
using System.Globalization;
using ALoRA.Abstractions.Trials;
using ALoRA.Grains.Sweeps;
using ALoRA.Sweeps;

namespace ALoRA.Grains.Tests.Cluster;

/// <summary>
/// Issue 14, point 3: several trials per device. A device has slots and a memory size; a trial is admitted to a slot only
/// if its estimated memory fits what the device has free. The fake engine records which trials run at the same time.
/// </summary>
public sealed class SlotPackingTests
{
    private static readonly TimeSpan Hold = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task TwoSmallTrialsShareADevice_ABigOneWaitsForTheirMemory_NeverOverCommits()
    {
        var sizes = Estimates(Yaml("small", batchSize: 1, seeds: 2)).Concat(Estimates(Yaml("big", batchSize: 64, seeds: 1)))
            .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var small = sizes.Where(p => p.Key.StartsWith("small", StringComparison.Ordinal)).Max(p => p.Value);
        var big = sizes.Single(p => p.Key.StartsWith("big", StringComparison.Ordinal)).Value;
        Assert.True(big > 2 * small, $"the big trial ({big} bytes) must need more than two small ones ({small} bytes each)");
        var memory = big + (small / 2); // two small ones fit, or the big one alone; never the big one with a small one

        var engine = new FakeTrainingEngine { Steps = 6 };
        using var inspected = new ManualResetEventSlim(false);
        var together = new ConcurrentBag<string>(); // the sets of trials seen running at once
        long worst = 0;
        engine.BeforeStep = (trial, _, step) =>
        {
            var running = engine.Running.Keys.Order(StringComparer.Ordinal).ToList();
            together.Add(string.Join(",", running));
            InterlockedMax(ref worst, running.Sum(t => sizes[t]));
            if (trial.StartsWith("small", StringComparison.Ordinal) && step == 2)
            {
                inspected.Wait(Hold); // both small ones wait here while the test looks at the cluster
            }
        };
        await using var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 1, engine: engine,
            trainerOptions: o => { o.Slots = 3; o.DeviceMemory = memory.ToString(CultureInfo.InvariantCulture); });

        await h.Sweep("small").SubmitAsync(Specs.Parsed(Yaml("small", batchSize: 1, seeds: 2)));
        await h.WaitForAsync(() => Task.FromResult(engine.Running.Count), n => n == 2, what: "both small trials to run at once");
        await h.Sweep("big").SubmitAsync(Specs.Parsed(Yaml("big", batchSize: 64, seeds: 1)));
        var waiting = await h.WaitForAsync(() => h.Scheduler.GetClusterStatusAsync(), c => c.Queued == 1 && c.Trainers[0].Slots.Count(s => s.Trial is null) == 1,
            what: "the big trial to wait with one slot free");

        var device = Assert.Single(waiting.Trainers);
        Assert.Equal(memory, device.DeviceMemoryBytes);
        Assert.Equal(sizes.Where(p => p.Key.StartsWith("small", StringComparison.Ordinal)).Sum(p => p.Value), device.ReservedBytes);
        Assert.Equal(3, device.Slots.Count);
        Assert.Equal([device.Key, device.Key + "#1", device.Key + "#2"], device.Slots.Select(s => s.Trainer));
        Assert.All(device.Slots.Where(s => s.Trial is not null), s => Assert.Equal(sizes[s.Trial!], s.ReservedBytes));
        Assert.Equal(TrialState.Queued, (await h.Sweep("big").GetStatusAsync()).Trials.Single().State);
        inspected.Set();

        await h.WaitForSweepAsync("small");
        var bigDone = await h.WaitForSweepAsync("big");

        Assert.Equal(TrialState.Completed, bigDone.Trials.Single().State);
        Assert.Equal(3, engine.Completions.Count);
        Assert.Equal(3, engine.Starts.Count); // each trial ran once
        Assert.True(Interlocked.Read(ref worst) <= memory, $"{worst} bytes held on a device of {memory}");
        var bigId = bigDone.Trials.Single().TrialId;
        Assert.All(together.Where(set => set.Contains(bigId, StringComparison.Ordinal)), set => Assert.Equal(bigId, set)); // the big one always alone
        Assert.Contains(together, set => set.Split(',').Length == 2); // the small ones together
    }

    [Fact]
    public async Task TwoSlots_FourTrials_TwoRunAtOnce_EachFreedSlotTakesTheNext()
    {
        var engine = new FakeTrainingEngine { Steps = 4 };
        var most = 0;
        engine.BeforeStep = (_, _, step) =>
        {
            var running = engine.Running.Count;
            InterlockedMax(ref most, running);
            if (step == 2)
            {
                // Each trial waits (bounded) for a partner, so two overlap whenever two slots are free.
                SpinWait.SpinUntil(() => engine.Running.Count >= 2 || engine.Completions.Count >= 3, TimeSpan.FromSeconds(10));
            }
        };
        await using var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 1, engine: engine, trainerOptions: o => o.Slots = 2);

        await h.Sweep("reuse").SubmitAsync(Specs.Parsed(Specs.Grid("reuse", seeds: 2, learningRates: 2, loraOnly: true)));
        var done = await h.WaitForSweepAsync("reuse");

        Assert.Equal(4, done.Trials.Count);
        Assert.All(done.Trials, t => Assert.Equal((TrialState.Completed, 1), (t.State, t.Attempt)));
        Assert.Equal(4, engine.Starts.Count);
        Assert.Equal(2, Volatile.Read(ref most));
        // The experiment tells the scheduler right after it stored the result: the slots are free a moment later.
        var cluster = await h.WaitForAsync(() => h.Scheduler.GetClusterStatusAsync(), c => c.Running == 0, what: "the slots to be free");
        var device = cluster.Trainers.Single().Key;
        Assert.Equal([device, device + "#1"], done.Trials.Select(t => t.Trainer!.Split('@')[0]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)); // both slots ran trials
        Assert.All(cluster.Trainers.Single().Slots, s => Assert.Null(s.Trial));
        Assert.Equal(0, cluster.Trainers.Single().ReservedBytes);
    }

    [Fact]
    public async Task SiloWithBusySlotsKilled_EveryTrialItRanResumesElsewhere_Once()
    {
        var engine = new FakeTrainingEngine { Steps = 30, CheckpointEvery = 2, StepDelay = TimeSpan.FromMilliseconds(20) };
        await using var h = await ClusterHarness.StartAsync(silos: 2, trainersPerSilo: 1, engine: engine, trainerOptions: o => o.Slots = 2);
        await h.Sweep("kill").SubmitAsync(Specs.Parsed(Specs.Grid("kill", seeds: 2, learningRates: 2, loraOnly: true)));
        var running = await h.WaitForAsync(() => h.Sweep("kill").GetStatusAsync(), s => s.Trials.Count(t => t.State == TrialState.Running && t.Step >= 4) == 4,
            what: "four trials running on four slots");
        var victimSilo = h.Cluster.Silos[1];
        var victimName = victimSilo.SiloAddress.ToParsableString();
        var onVictim = running.Trials.Where(t => t.Trainer!.EndsWith(victimName, StringComparison.Ordinal)).Select(t => t.TrialId).ToList();
        Assert.Equal(2, onVictim.Count); // both of its slots were busy

        await h.Cluster.KillSiloAsync(victimSilo);
        var done = await h.WaitForSweepAsync("kill", timeout: TimeSpan.FromSeconds(120));

        Assert.All(done.Trials, t => Assert.Equal(TrialState.Completed, t.State));
        Assert.All(onVictim, id => Assert.Equal(2, done.Trials.Single(t => t.TrialId == id).Attempt));
        Assert.Equal(4, engine.Completions.Select(c => c.TrialId).Distinct(StringComparer.Ordinal).Count());
        Assert.All(onVictim, id => Assert.True(engine.Starts.Where(s => s.TrialId == id).Last().FromStep > 0, $"{id} resumed from its checkpoint"));
    }

    private static string Yaml(string id, int batchSize, int seeds) => $$"""
        id: {{id}}
        model: {{RepositoryPaths.Stories260K}}
        data: {{RepositoryPaths.Sst2}}
        task: sst2
        metric: dev_accuracy
        seeds: [{{string.Join(", ", Enumerable.Range(1, seeds))}}]
        method: {grid_search: [lora]}
        training:
          max_steps: 20
          batch_size: {{batchSize}}
        """;

    /// <summary>Each trial's estimated bytes, as the submit's check computes them.</summary>
    private static Dictionary<string, long> Estimates(string yaml)
    {
        var spec = SweepDefinitions.Read(Specs.Parsed(yaml), null);
        return MemoryAdmission.Check(spec, SweepExpander.Expand(spec), long.MaxValue);
    }

    private static void InterlockedMax(ref long target, long value)
    {
        for (var seen = Interlocked.Read(ref target); value > seen; seen = Interlocked.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, seen) == seen)
            {
                return;
            }
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, seen) == seen)
            {
                return;
            }
        }
    }
}
