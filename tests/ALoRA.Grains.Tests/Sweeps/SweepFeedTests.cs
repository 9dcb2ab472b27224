using ALoRA.Abstractions.Trials;
using ALoRA.Grains.Sweeps;

namespace ALoRA.Grains.Tests.Sweeps;

/// <summary>The coordinator's in-memory feed: pages after a number, gaps, and the signal a stream waits on.</summary>
public sealed class SweepFeedTests
{
    [Fact]
    public void After_ReturnsTheEventsAfterANumber_InOrder_InPagesOfAtMostMax()
    {
        var feed = new SweepFeed(capacity: 100);
        for (var step = 1; step <= 10; step++)
        {
            feed.Add(new TrialProgress { Step = step }, null);
        }

        var all = feed.After(0, max: 100);
        Assert.Equal(Enumerable.Range(1, 10), all.Events.Select(e => e.Progress!.Step));
        Assert.Equal(all.Events.Select(e => e.Sequence).Order(), all.Events.Select(e => e.Sequence));
        Assert.Equal(all.Events[^1].Sequence, all.LastSequence);
        Assert.False(all.Gap);

        var page = feed.After(all.Events[3].Sequence, max: 4);
        Assert.Equal([5, 6, 7, 8], page.Events.Select(e => e.Progress!.Step));
        Assert.Equal(all.Events[7].Sequence, page.LastSequence);
        Assert.False(page.Gap);

        var none = feed.After(all.LastSequence, max: 100);
        Assert.Empty(none.Events);
        Assert.Equal(all.LastSequence, none.LastSequence);
        Assert.False(none.Gap);
    }

    [Fact]
    public void After_ANumberOlderThanTheOldestKept_IsAGap()
    {
        var feed = new SweepFeed(capacity: 3);
        feed.Add(new TrialProgress { Step = 1 }, null);
        var first = feed.After(0, max: 10).LastSequence;
        for (var step = 2; step <= 6; step++)
        {
            feed.Add(new TrialProgress { Step = step }, null);
        }

        var page = feed.After(first, max: 10);
        Assert.True(page.Gap);
        Assert.Equal([4, 5, 6], page.Events.Select(e => e.Progress!.Step));

        // The event right before the oldest kept is no gap.
        Assert.False(feed.After(page.Events[0].Sequence - 1, max: 10).Gap);
    }

    [Fact]
    public void After_ANumberThisFeedNeverIssued_IsAGap_AnsweredFromTheOldest()
    {
        var feed = new SweepFeed(capacity: 10);
        feed.Add(null, new TrialStatus { TrialId = "t", State = TrialState.Queued });
        var last = feed.After(0, max: 10).LastSequence;

        // A number from an earlier activation whose clock ran ahead of this one.
        var page = feed.After(last + 1_000_000, max: 10);
        Assert.True(page.Gap);
        Assert.Equal(TrialState.Queued, Assert.Single(page.Events).StateChange!.State);
    }

    [Fact]
    public async Task Added_CompletesWhenTheNextEventArrives()
    {
        var feed = new SweepFeed(capacity: 10);
        var added = feed.Added;
        Assert.False(added.IsCompleted);

        feed.Add(new TrialProgress { Step = 1 }, null);
        await added.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(feed.Added.IsCompleted);
    }
}
