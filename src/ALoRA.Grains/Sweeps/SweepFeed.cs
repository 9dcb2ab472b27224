using System.Collections.Immutable;
using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Trials;

namespace ALoRA.Grains.Sweeps;

/// <summary>
/// The in-memory progress feed of a sweep: the newest events, numbered. Numbers start from the activation's start
/// time in microseconds, so they keep increasing across reactivations and a watcher holding a number of an earlier
/// activation is told about the gap instead of silently missing events. Used on the grain's scheduler only.
/// </summary>
internal sealed class SweepFeed(int capacity)
{
    private readonly LinkedList<SweepEvent> _events = new();
    private long _next = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
    private TaskCompletionSource _added = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the next event is added.</summary>
    public Task Added => _added.Task;

    public void Add(TrialProgress? progress, TrialStatus? stateChange)
    {
        _events.AddLast(new SweepEvent { Sequence = ++_next, Progress = progress, StateChange = stateChange });
        while (_events.Count > capacity)
        {
            _events.RemoveFirst();
        }

        var added = _added;
        _added = new(TaskCreationOptions.RunContinuationsAsynchronously);
        added.SetResult();
    }

    /// <summary>
    /// At most <paramref name="max"/> events after <paramref name="sequence"/>, oldest first. A number this feed never
    /// issued (from an earlier activation on a machine whose clock ran ahead) counts as a gap, answered from the oldest event kept.
    /// </summary>
    public SweepEvents After(long sequence, int max)
    {
        var foreign = sequence > _next;
        var from = foreign ? 0 : sequence;
        var first = _events.First?.Value.Sequence ?? _next + 1;

        // The newest events are at the end: walk back to the first one the watcher has not seen.
        var node = _events.Last;
        while (node?.Previous is { } previous && previous.Value.Sequence > from)
        {
            node = previous;
        }

        var events = ImmutableList.CreateBuilder<SweepEvent>();
        for (; node is not null && events.Count < max; node = node.Next)
        {
            if (node.Value.Sequence > from)
            {
                events.Add(node.Value);
            }
        }

        return new SweepEvents
        {
            Events = events.ToImmutable(),
            LastSequence = events.Count > 0 ? events[^1].Sequence : _next,
            Gap = sequence > 0 && (foreign || sequence < first - 1),
        };
    }
}
