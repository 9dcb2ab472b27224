using System.Collections.Immutable;
using ALoRA.Abstractions.Cluster;
using ALoRA.Abstractions.Grains;

namespace ALoRA.Grains.Tests.Cluster;

/// <summary>
/// The scheduler under a wave of hand-overs (many slots asking and attempts ending at the same moment): every
/// assignment it answered is in its stored record, which a new cluster reads back.
/// </summary>
public sealed class SchedulerWritesTests
{
    private const int Devices = 32;

    [Fact]
    public async Task ManySlotsHandingOverAtOnce_EveryAnsweredAssignmentIsStored_AndSurvivesARestart()
    {
        // No trainers of the harness's own: the test plays 32 slots of a silo that asks at the same moment.
        await using var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 0);
        var scheduler = h.SiloGrains.GetGrain<ISchedulerGrain>(SchedulerKeys.Default);
        var silo = h.Cluster.Silos[0].SiloAddress.ToParsableString();
        ImmutableList<string> trials = [.. Enumerable.Range(0, 2 * Devices).Select(i => $"gc-{i:x12}")];
        await scheduler.EnqueueAsync("gc", trials, maxConcurrentTrials: 1000, estimatedBytes: null, dtype: null);
        var keys = Enumerable.Range(0, Devices).Select(d => $"node/cuda:{d}").ToList();
        await scheduler.RegisterTrainersAsync(silo, [.. keys.Select(k => new DeviceRegistration { Key = k, Slots = 1, MemoryBytes = 80L << 30 })]);

        // A wave: every slot asks at once; then half of the attempts end and those slots ask again, all at once.
        var first = await Task.WhenAll(keys.Select(k => scheduler.NextAssignmentAsync(k)));
        var ended = keys.Take(Devices / 2).Select((k, i) => (Key: k, Trial: first[i]!.TrialId)).ToList();
        await Task.WhenAll(ended.Select(e => scheduler.AttemptEndedAsync(e.Trial, $"{e.Key}@{silo}", requeue: false)));
        var second = await Task.WhenAll(ended.Select(e => scheduler.NextAssignmentAsync(e.Key)));

        var expected = keys.Zip(first, (k, d) => (k, d!.TrialId)).ToDictionary();
        foreach (var (e, d) in ended.Zip(second))
        {
            expected[e.Key] = d!.TrialId;
        }

        Assert.Equal(Devices + (Devices / 2), first.Concat(second).Select(d => d!.TrialId).Distinct().Count());

        // What was answered is what was stored: a new cluster reads it back (before the dead silo's devices are removed).
        await h.RestartAsync();
        var status = await h.Client.GetGrain<ISchedulerGrain>(SchedulerKeys.Default).GetClusterStatusAsync();
        Assert.Equal(expected.OrderBy(p => p.Key, StringComparer.Ordinal), status.Trainers.Select(t => KeyValuePair.Create(t.Key, t.Trial!)).OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.Equal((trials.Count - Devices - (Devices / 2), Devices), (status.Queued, status.Running));
    }
}
