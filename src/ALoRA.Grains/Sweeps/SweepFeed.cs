using System.Collections.Immutable;
using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Trials;

namespace ALoRA.Grains.Sweeps;

/// <summary>
/// The in-memory progress feed of a sweep: the newest events, numbered. Numbers start from the activation's start
/// time in microseconds, so they keep increasing across reactivations and a watcher holding an older number is told
/// about the gap instead of silently missing events.
/// </summary>
internal sealed class SweepFeed(int capacity)
{
    private readonly LinkedList<SweepEvent> _events = new();
    private long _next = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;

    public void Add(TrialProgress? progress, TrialStatus? stateChange)
    {
        _events.AddLast(new SweepEvent { Sequence = ++_next, Progress = progress, StateChange = stateChange });
        while (_events.Count > capacity)
        {
            _events.RemoveFirst();
        }
    }

    public SweepEvents After(long sequence, int max = 5000)
    {
        var first = _events.First?.Value.Sequence ?? _next + 1;
        ImmutableList<SweepEvent> events = [.. _events.Where(e => e.Sequence > sequence).Take(max)];
        return new SweepEvents
        {
            Events = events,
            LastSequence = events.Count > 0 ? events[^1].Sequence : Math.Max(sequence, _next),
            Gap = sequence > 0 && sequence < first - 1,
        };
    }
}
