using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Grains;
using ALoRA.Abstractions.Trials;

namespace ALoRA.Grains.Tests.Cluster;

/// <summary>The sweep's progress feed that <c>alora watch</c> streams (<see cref="ISweepCoordinatorGrain.WatchAsync"/>).</summary>
public sealed class WatchFeedTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Stream_DeliversEveryStepAndStateChange_InOrder_AndEndsWhenTheSweepIsOver()
    {
        var engine = new FakeTrainingEngine { Steps = 10 };
        await using var h = await ClusterHarness.StartAsync(engine: engine);
        var sweep = h.Sweep("watched");
        await sweep.SubmitAsync(Specs.Parsed(Specs.Grid("watched", seeds: 1, learningRates: 1, loraOnly: true)));

        using var deadline = new CancellationTokenSource(Deadline);
        var pages = new List<SweepEvents>();
        await foreach (var page in sweep.WatchAsync(0, deadline.Token).WithCancellation(deadline.Token))
        {
            pages.Add(page);
        }

        // The stream ended by itself: the sweep is over, and its last state change came after all of its progress.
        Assert.Equal(SweepState.Completed, (await sweep.GetStatusAsync()).State);
        Assert.All(pages, p => Assert.False(p.Gap));
        var seen = pages.SelectMany(p => p.Events).ToList();
        Assert.Equal(seen.Select(e => e.Sequence).Distinct().Order(), seen.Select(e => e.Sequence));
        Assert.Equal(pages.Select(p => p.LastSequence).Order(), pages.Select(p => p.LastSequence));
        Assert.Equal(Enumerable.Range(1, 10), seen.Where(e => e.Progress?.Kind == TrialProgressKind.Step).Select(e => e.Progress!.Step));
        Assert.Equal([TrialState.Queued, TrialState.Running, TrialState.Completed], seen.Where(e => e.StateChange is not null).Select(e => e.StateChange!.State));
        Assert.Equal(TrialState.Completed, seen[^1].StateChange?.State);

        // Opened again from its last number, the stream has nothing more and ends at once.
        var again = new List<SweepEvents>();
        await foreach (var page in sweep.WatchAsync(pages[^1].LastSequence, deadline.Token).WithCancellation(deadline.Token))
        {
            again.Add(page);
        }

        Assert.Empty(Assert.Single(again).Events);
        Assert.False(again[0].Gap);
    }

    [Fact]
    public async Task Stream_WhileNothingHappens_SendsEmptyPagesAsKeepAlives()
    {
        using var hold = new ManualResetEventSlim();
        var engine = new FakeTrainingEngine { Steps = 4, BeforeStep = (_, _, step) => Hold(hold, step == 2) };
        await using var h = await ClusterHarness.StartAsync(engine: engine);
        var sweep = h.Sweep("quiet");
        await sweep.SubmitAsync(Specs.Parsed(Specs.Grid("quiet", seeds: 1, learningRates: 1, loraOnly: true)));

        using var deadline = new CancellationTokenSource(Deadline);
        var keepAlives = 0;
        var started = DateTime.UtcNow;
        await foreach (var page in sweep.WatchAsync(0, deadline.Token).WithCancellation(deadline.Token))
        {
            if (page.Events.IsEmpty)
            {
                keepAlives++;
                hold.Set();
            }
        }

        Assert.True(keepAlives >= 1, "no keep-alive while the trial was held");
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromSeconds(2.5), "the keep-alive came before the quiet period");
    }

    [Fact]
    public async Task Stream_BrokenByTheCoordinatorMoving_ReopensFromItsLastNumber_LearnsOfTheGap_AndFollowsToTheEnd()
    {
        using var hold = new ManualResetEventSlim();
        var engine = new FakeTrainingEngine { Steps = 12, BeforeStep = (_, _, step) => Hold(hold, step == 6) };
        await using var h = await ClusterHarness.StartAsync(engine: engine);
        var sweep = h.Sweep("moved");
        await sweep.SubmitAsync(Specs.Parsed(Specs.Grid("moved", seeds: 1, learningRates: 1, loraOnly: true)));

        using var deadline = new CancellationTokenSource(Deadline);
        var before = new List<SweepEvent>();
        long last = 0;
        var pages = sweep.WatchAsync(0, deadline.Token).GetAsyncEnumerator(deadline.Token);
        while (!before.Any(e => e.Progress is { Kind: TrialProgressKind.Step, Step: 5 }))
        {
            Assert.True(await pages.MoveNextAsync(), "the stream ended before step 5");
            Assert.False(pages.Current.Gap);
            before.AddRange(pages.Current.Events);
            last = pages.Current.LastSequence;
        }

        // The coordinator goes away while the trial is held at step 6: the open stream breaks.
        var grain = (Orleans.Runtime.IAddressable)sweep;
        await h.Cluster.DeactivateAsync(grain);
        var broken = await Record.ExceptionAsync(async () =>
        {
            while (await pages.MoveNextAsync())
            {
                before.AddRange(pages.Current.Events);
                last = pages.Current.LastSequence;
            }
        });
        Assert.True(broken is EnumerationAbortedException or OperationCanceledException, $"the stream did not break: {broken}");
        Assert.False(deadline.IsCancellationRequested);
        _ = pages.DisposeAsync().AsTask();
        hold.Set();

        // Reopened from the last number seen: the new activation's feed starts higher, so the watcher is told it missed
        // events; it follows the rest of the sweep to its end, and the status snapshot has the result.
        var after = new List<SweepEvents>();
        await foreach (var page in sweep.WatchAsync(last, deadline.Token).WithCancellation(deadline.Token))
        {
            after.Add(page);
        }

        Assert.True(after[0].Gap);
        Assert.All(after.Skip(1), p => Assert.False(p.Gap));
        var events = after.SelectMany(p => p.Events).ToList();
        Assert.All(events, e => Assert.True(e.Sequence > last));
        Assert.Equal(TrialState.Completed, events.Last(e => e.StateChange is not null).StateChange!.State);
        Assert.Contains(events, e => e.Progress is { Kind: TrialProgressKind.Step, Step: 12 });
        var status = await sweep.GetStatusAsync();
        Assert.Equal(SweepState.Completed, status.State);
        Assert.All(status.Trials, t => Assert.NotNull(t.Result));
    }

    [Fact]
    public async Task Stream_OfAnUnknownSweep_FailsWithKeyNotFound()
    {
        await using var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 1);
        using var deadline = new CancellationTokenSource(Deadline);

        await Assert.ThrowsAsync<KeyNotFoundException>(async () =>
        {
            await foreach (var _ in h.Sweep("nothing-here").WatchAsync(0, deadline.Token).WithCancellation(deadline.Token))
            {
            }
        });
    }

    private static void Hold(ManualResetEventSlim gate, bool here)
    {
        if (here && !gate.Wait(Deadline))
        {
            throw new TimeoutException("the test never released the held step");
        }
    }
}
