using ALoRA.Abstractions.Sweeps;

namespace ALoRA.Sweeps.Tests;

public sealed class TrialQueueTests
{
    private static List<(string Sweep, string Trial)> Drain(TrialQueue queue)
    {
        var taken = new List<(string, string)>();
        while (queue.TryDequeue(out var sweep, out var trial))
        {
            taken.Add((sweep, trial));
        }

        return taken;
    }

    [Fact]
    public void TryDequeue_OneSweep_IsFifo()
    {
        var queue = new TrialQueue();
        foreach (var t in new[] { "t1", "t2", "t3" })
        {
            Assert.True(queue.Enqueue("a", t, 10));
        }

        Assert.Equal([("a", "t1"), ("a", "t2"), ("a", "t3")], Drain(queue));
        Assert.Equal(0, queue.QueuedCount("a"));
        Assert.Equal(3, queue.RunningCount("a"));
    }

    [Fact]
    public void TryDequeue_TwoSweeps_AlternatesFairly()
    {
        var queue = new TrialQueue();
        foreach (var t in new[] { "a1", "a2", "a3", "a4" })
        {
            queue.Enqueue("a", t, 10);
        }

        queue.Enqueue("b", "b1", 10);
        queue.Enqueue("b", "b2", 10);

        Assert.Equal([("a", "a1"), ("b", "b1"), ("a", "a2"), ("b", "b2"), ("a", "a3"), ("a", "a4")], Drain(queue));
    }

    [Fact]
    public void TryDequeue_SweepAtItsLimit_IsSkippedUntilATrialFinishes()
    {
        var queue = new TrialQueue();
        foreach (var t in new[] { "a1", "a2", "a3" })
        {
            queue.Enqueue("a", t, 2);
        }

        queue.Enqueue("b", "b1", 1);
        queue.Enqueue("b", "b2", 1);

        Assert.Equal([("a", "a1"), ("b", "b1"), ("a", "a2")], Drain(queue));
        Assert.Equal((2, 1), (queue.RunningCount("a"), queue.RunningCount("b")));
        Assert.Equal((1, 1), (queue.QueuedCount("a"), queue.QueuedCount("b")));

        Assert.True(queue.MarkFinished("b", "b1"));
        Assert.Equal([("b", "b2")], Drain(queue));
        Assert.True(queue.MarkFinished("a", "a1"));
        Assert.Equal([("a", "a3")], Drain(queue));
        Assert.False(queue.MarkFinished("a", "a1"));
    }

    [Fact]
    public void TryDequeue_AdmitRefusesTheFront_ItStaysFirst_TheNextSweepIsTried()
    {
        var queue = new TrialQueue();
        queue.Enqueue("a", "big", 10);
        queue.Enqueue("a", "small", 10);
        queue.Enqueue("b", "b1", 10);

        Assert.True(queue.TryDequeue(t => t != "big", out var sweep, out var trial));
        Assert.Equal(("b", "b1"), (sweep, trial)); // sweep a's front does not fit: not overtaken within a
        Assert.False(queue.TryDequeue(t => t != "big", out _, out _));
        Assert.Equal(["big", "small"], queue.GetQueued("a"));

        Assert.True(queue.TryDequeue(_ => true, out sweep, out trial));
        Assert.Equal(("a", "big"), (sweep, trial)); // it fits now: still first
    }

    [Fact]
    public void Requeue_RunningTrial_GoesToTheBackOfItsSweep()
    {
        // It resumes with less work left than the trials not yet started: longest work first.
        var queue = new TrialQueue();
        foreach (var t in new[] { "a1", "a2", "a3" })
        {
            queue.Enqueue("a", t, 1);
        }

        Assert.True(queue.TryDequeue(out _, out var first));
        Assert.Equal("a1", first);
        Assert.False(queue.TryDequeue(out _, out _));

        Assert.True(queue.Requeue("a", "a1"));
        Assert.Equal(["a2", "a3", "a1"], queue.GetQueued("a"));
        Assert.Equal(0, queue.RunningCount("a"));
        Assert.False(queue.Requeue("a", "a2"));
        Assert.True(queue.TryDequeue(out _, out var next));
        Assert.Equal("a2", next);
    }

    [Fact]
    public void Enqueue_KnownTrial_IsIgnored()
    {
        var queue = new TrialQueue();
        Assert.True(queue.Enqueue("a", "a1", 1));
        Assert.False(queue.Enqueue("a", "a1", 1));
        queue.TryDequeue(out _, out _);
        Assert.False(queue.Enqueue("a", "a1", 1));
        Assert.Equal((0, 1), (queue.QueuedCount("a"), queue.RunningCount("a")));
        Assert.Throws<ArgumentOutOfRangeException>(() => queue.Enqueue("a", "a2", 0));
    }

    [Fact]
    public void RemoveSweep_DropsItsQueueAndReturnsTheIds()
    {
        var queue = new TrialQueue();
        foreach (var t in new[] { "a1", "a2", "a3" })
        {
            queue.Enqueue("a", t, 1);
        }

        queue.Enqueue("b", "b1", 1);
        queue.TryDequeue(out _, out _); // a1 runs

        Assert.Equal(["a1"], queue.GetRunning("a"));
        Assert.Equal(["a2", "a3"], queue.RemoveSweep("a"));
        Assert.Equal(["b"], queue.SweepIds);
        Assert.Equal((0, 0), (queue.QueuedCount("a"), queue.RunningCount("a")));
        Assert.Equal([("b", "b1")], Drain(queue));
        Assert.Empty(queue.RemoveSweep("unknown"));
        Assert.False(queue.MarkFinished("a", "a1"));
    }

    [Fact]
    public void MarkFinished_QueuedTrial_IsRemovedFromTheQueue()
    {
        var queue = new TrialQueue();
        queue.Enqueue("a", "a1", 1);
        queue.Enqueue("a", "a2", 1);

        Assert.True(queue.MarkFinished("a", "a1"));
        Assert.Equal(["a2"], queue.GetQueued("a"));
    }

    [Fact]
    public void FromSnapshot_RoundTrip_BehavesLikeTheOriginal()
    {
        var original = new TrialQueue();
        foreach (var t in new[] { "a1", "a2", "a3", "a4" })
        {
            original.Enqueue("a", t, 2);
        }

        foreach (var t in new[] { "b1", "b2" })
        {
            original.Enqueue("b", t, 1);
        }

        original.Enqueue("c", "c1", 3);
        original.TryDequeue(out _, out _); // a1; the cursor moves to b

        var snapshot = original.ToSnapshot();
        var restored = TrialQueue.FromSnapshot(snapshot);

        Assert.Equal(["a", "b", "c"], snapshot.Sweeps.Select(s => s.SweepId));
        Assert.Equal(1, snapshot.Cursor);
        Assert.Equal(["a2", "a3", "a4"], snapshot.Sweeps[0].Queued);
        Assert.Equal(["a1"], snapshot.Sweeps[0].Running);
        Assert.Equal(Drain(original), Drain(restored));
        Assert.Equal(original.ToSnapshot().Sweeps.Select(s => (s.SweepId, s.MaxConcurrent, string.Join(",", s.Queued), string.Join(",", s.Running))),
            restored.ToSnapshot().Sweeps.Select(s => (s.SweepId, s.MaxConcurrent, string.Join(",", s.Queued), string.Join(",", s.Running))));
    }

    [Fact]
    public void FromSnapshot_InconsistentState_Throws()
    {
        var twice = new TrialQueueSnapshot
        {
            Sweeps = [new SweepQueueSnapshot { SweepId = "a", MaxConcurrent = 1, Queued = ["t1"], Running = ["t1"] }],
        };

        Assert.Throws<ArgumentException>(() => TrialQueue.FromSnapshot(twice));
    }

    [Fact]
    public void IdleSweep_IsForgottenAndTheCursorStaysFair()
    {
        var queue = new TrialQueue();
        queue.Enqueue("a", "a1", 1);
        queue.Enqueue("b", "b1", 1);
        queue.Enqueue("b", "b2", 1);
        queue.Enqueue("c", "c1", 1);
        queue.Enqueue("c", "c2", 1);

        Assert.Equal([("a", "a1"), ("b", "b1"), ("c", "c1")], Drain(queue));
        queue.MarkFinished("a", "a1"); // a is idle: forgotten
        queue.MarkFinished("b", "b1");
        queue.MarkFinished("c", "c1");

        Assert.Equal(["b", "c"], queue.SweepIds);
        Assert.Equal([("b", "b2"), ("c", "c2")], Drain(queue));
    }
}
