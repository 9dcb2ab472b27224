using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Trials;

namespace ALoRA.Grains.Tests.Cluster;

/// <summary>The sweep's progress feed that <c>alora watch</c> reads.</summary>
public sealed class WatchFeedTests
{
    [Fact]
    public async Task Feed_DeliversEveryStepAndStateChange_InOrder_AndAWatcherContinuesFromItsLastNumber()
    {
        var engine = new FakeTrainingEngine { Steps = 10 };
        await using var h = await ClusterHarness.StartAsync(engine: engine);
        var sweep = h.Sweep("watched");
        await sweep.SubmitAsync(Specs.Parsed(Specs.Grid("watched", seeds: 1, learningRates: 1, loraOnly: true)));

        var seen = new List<SweepEvent>();
        long last = 0;
        SweepStatus status;
        do
        {
            var page = await sweep.GetEventsAsync(last);
            Assert.False(page.Gap);
            Assert.All(page.Events, e => Assert.True(e.Sequence > last));
            seen.AddRange(page.Events);
            last = page.LastSequence;
            status = await sweep.GetStatusAsync();
            await engine.Changed.WaitAsync(TimeSpan.FromMilliseconds(50));
        }
        while (!seen.Any(e => e.StateChange?.State == TrialState.Completed));

        // The trial's events travel in order, so its final state change comes after all its progress.
        Assert.Equal(SweepState.Completed, status.State);
        Assert.Equal(seen.Select(e => e.Sequence).Order(), seen.Select(e => e.Sequence));
        Assert.Equal(Enumerable.Range(1, 10), seen.Where(e => e.Progress?.Kind == TrialProgressKind.Step).Select(e => e.Progress!.Step));
        var states = seen.Where(e => e.StateChange is not null).Select(e => e.StateChange!.State).ToList();
        Assert.Equal([TrialState.Queued, TrialState.Running, TrialState.Completed], states);
        Assert.Empty((await sweep.GetEventsAsync(seen[^1].Sequence)).Events);
    }

    [Fact]
    public async Task Feed_AfterTheCoordinatorMovedToAnotherSilo_TellsAReconnectingWatcherAboutTheGap()
    {
        await using var h = await ClusterHarness.StartAsync();
        var sweep = h.Sweep("moved");
        await sweep.SubmitAsync(Specs.Parsed(Specs.Grid("moved", seeds: 1, learningRates: 1, loraOnly: true)));
        await h.WaitForSweepAsync("moved");
        var before = await sweep.GetEventsAsync(0);
        Assert.NotEmpty(before.Events);

        var grain = (Orleans.Runtime.IAddressable)sweep;
        await h.Cluster.DeactivateAsync(grain);
        await h.Cluster.WaitForDeactivationAsync(grain);

        // The new activation's feed starts empty with higher numbers; the watcher learns it missed events and reads
        // the status snapshot instead, which survived in storage.
        var after = await sweep.GetEventsAsync(before.LastSequence);
        Assert.True(after.Gap);
        Assert.True(after.LastSequence > before.LastSequence);
        var status = await sweep.GetStatusAsync();
        Assert.Equal(SweepState.Completed, status.State);
        Assert.All(status.Trials, t => Assert.NotNull(t.Result));
    }
}
