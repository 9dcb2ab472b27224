using System.Diagnostics.CodeAnalysis;
using ALoRA.Abstractions.Sweeps;

namespace ALoRA.Sweeps;

/// <summary>
/// Which trial runs next: FIFO within a sweep, round-robin across sweeps (each dequeue moves on to the next sweep),
/// never more than a sweep's max_concurrent_trials running at once. A trial that lost its trainer goes to the back of
/// its sweep (<see cref="Requeue"/>): it has less work left than the sweep's trials not yet started, and running the
/// longest work first leaves the short remainders to fill the end of the sweep (longest-processing-time-first). Pure
/// and deterministic; not thread-safe (a grain owns it). <see cref="ToSnapshot"/> and <see cref="FromSnapshot"/> move
/// its whole state to and from plain data.
/// </summary>
/// <remarks>
/// A sweep is known from its first <see cref="Enqueue"/> until it has nothing queued or running, or until
/// <see cref="RemoveSweep"/>; sweeps take turns in the order they became known.
/// </remarks>
public sealed class TrialQueue
{
    private readonly List<Entry> _sweeps = [];
    private int _cursor;

    /// <summary>Ids of the known sweeps, in round-robin order.</summary>
    public IReadOnlyList<string> SweepIds => [.. _sweeps.Select(s => s.SweepId)];

    /// <summary>Queued trials over all sweeps.</summary>
    public int TotalQueued => _sweeps.Sum(s => s.Queued.Count);

    /// <summary>Running trials over all sweeps.</summary>
    public int TotalRunning => _sweeps.Sum(s => s.Running.Count);

    /// <summary>Rebuilds a queue from <see cref="ToSnapshot"/>'s output.</summary>
    /// <param name="snapshot">The state to restore.</param>
    /// <exception cref="ArgumentException">The snapshot is inconsistent (a sweep twice, a trial twice, max concurrency below 1).</exception>
    public static TrialQueue FromSnapshot(TrialQueueSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var queue = new TrialQueue();
        foreach (var s in snapshot.Sweeps)
        {
            if (s.MaxConcurrent < 1 || queue.Find(s.SweepId) is not null)
            {
                throw new ArgumentException($"snapshot: sweep '{s.SweepId}' is listed twice or has max concurrency {s.MaxConcurrent}", nameof(snapshot));
            }

            var entry = new Entry(s.SweepId, s.MaxConcurrent);
            foreach (var id in s.Queued.Concat(s.Running))
            {
                if (!entry.Members.Add(id))
                {
                    throw new ArgumentException($"snapshot: trial '{id}' of sweep '{s.SweepId}' is listed twice", nameof(snapshot));
                }
            }

            entry.Queued.AddRange(s.Queued);
            entry.Running.AddRange(s.Running);
            queue._sweeps.Add(entry);
        }

        queue._cursor = queue._sweeps.Count == 0 ? 0 : Math.Clamp(snapshot.Cursor, 0, queue._sweeps.Count - 1);
        return queue;
    }

    /// <summary>The whole state as plain data.</summary>
    public TrialQueueSnapshot ToSnapshot() => new()
    {
        Sweeps = [.. _sweeps.Select(s => new SweepQueueSnapshot { SweepId = s.SweepId, MaxConcurrent = s.MaxConcurrent, Queued = [.. s.Queued], Running = [.. s.Running] })],
        Cursor = _cursor,
    };

    /// <summary>Adds a trial at the back of its sweep's queue and sets the sweep's concurrency limit.</summary>
    /// <param name="sweepId">The sweep.</param>
    /// <param name="trialId">The trial.</param>
    /// <param name="maxConcurrent">The most trials of the sweep that may run at once (at least 1).</param>
    /// <returns>False (and nothing queued) when the trial is already queued or running.</returns>
    public bool Enqueue(string sweepId, string trialId, int maxConcurrent)
    {
        ArgumentException.ThrowIfNullOrEmpty(sweepId);
        ArgumentException.ThrowIfNullOrEmpty(trialId);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrent, 1);
        var entry = Find(sweepId);
        if (entry is null)
        {
            entry = new Entry(sweepId, maxConcurrent);
            _sweeps.Add(entry);
        }

        entry.MaxConcurrent = maxConcurrent;
        if (!entry.Members.Add(trialId))
        {
            return false;
        }

        entry.Queued.Add(trialId);
        return true;
    }

    /// <summary>
    /// Takes the front trial of the first sweep, starting at the round-robin cursor, that has a queued trial and fewer
    /// running than its limit; marks it running and moves the cursor past that sweep.
    /// </summary>
    /// <param name="sweepId">The trial's sweep.</param>
    /// <param name="trialId">The trial to start.</param>
    /// <returns>False when no sweep may start a trial now.</returns>
    public bool TryDequeue([NotNullWhen(true)] out string? sweepId, [NotNullWhen(true)] out string? trialId) =>
        TryDequeue(static _ => true, out sweepId, out trialId);

    /// <summary>
    /// Like <see cref="TryDequeue(out string?, out string?)"/>, but only a sweep's front trial that <paramref name="admit"/>
    /// accepts is taken (a device's free memory): a front trial it refuses stays at the front (it is not overtaken within
    /// its sweep) and the next sweep is tried.
    /// </summary>
    /// <param name="admit">Whether a trial may start now.</param>
    /// <param name="sweepId">The trial's sweep.</param>
    /// <param name="trialId">The trial to start.</param>
    /// <returns>False when no sweep may start a trial now.</returns>
    public bool TryDequeue(Func<string, bool> admit, [NotNullWhen(true)] out string? sweepId, [NotNullWhen(true)] out string? trialId)
    {
        ArgumentNullException.ThrowIfNull(admit);
        for (var i = 0; i < _sweeps.Count; i++)
        {
            var index = (_cursor + i) % _sweeps.Count;
            var entry = _sweeps[index];
            if (entry.Queued.Count > 0 && entry.Running.Count < entry.MaxConcurrent && admit(entry.Queued[0]))
            {
                trialId = entry.Queued[0];
                entry.Queued.RemoveAt(0);
                entry.Running.Add(trialId);
                sweepId = entry.SweepId;
                _cursor = (index + 1) % _sweeps.Count;
                return true;
            }
        }

        sweepId = null;
        trialId = null;
        return false;
    }

    /// <summary>Forgets a trial that ended (or was cancelled while still queued), freeing its sweep's slot.</summary>
    /// <param name="sweepId">The trial's sweep.</param>
    /// <param name="trialId">The trial.</param>
    /// <returns>False when the queue did not hold the trial.</returns>
    public bool MarkFinished(string sweepId, string trialId)
    {
        var entry = Find(sweepId);
        if (entry is null || !entry.Members.Remove(trialId))
        {
            return false;
        }

        if (!entry.Running.Remove(trialId))
        {
            entry.Queued.Remove(trialId);
        }

        DropIfIdle(entry);
        return true;
    }

    /// <summary>
    /// Puts a running trial (which lost its trainer) back at the back of its sweep's queue: it resumes from its last
    /// checkpoint with less work left than the trials not yet started, so it runs after them (see the class remarks).
    /// </summary>
    /// <param name="sweepId">The trial's sweep.</param>
    /// <param name="trialId">The trial.</param>
    /// <returns>False (and nothing changed) when the trial is not running.</returns>
    public bool Requeue(string sweepId, string trialId)
    {
        var entry = Find(sweepId);
        if (entry is null || !entry.Running.Remove(trialId))
        {
            return false;
        }

        entry.Queued.Add(trialId);
        return true;
    }

    /// <summary>
    /// Forgets a sweep (it was cancelled): drops its queued trials and stops counting its running ones, which the
    /// caller stops (read them with <see cref="GetRunning"/> first).
    /// </summary>
    /// <param name="sweepId">The sweep.</param>
    /// <returns>The trials that were queued, front first; empty for an unknown sweep.</returns>
    public IReadOnlyList<string> RemoveSweep(string sweepId)
    {
        var entry = Find(sweepId);
        if (entry is null)
        {
            return [];
        }

        Drop(entry);
        return [.. entry.Queued];
    }

    /// <summary>Number of queued trials of a sweep (0 when unknown).</summary>
    /// <param name="sweepId">The sweep.</param>
    public int QueuedCount(string sweepId) => Find(sweepId)?.Queued.Count ?? 0;

    /// <summary>Number of running trials of a sweep (0 when unknown).</summary>
    /// <param name="sweepId">The sweep.</param>
    public int RunningCount(string sweepId) => Find(sweepId)?.Running.Count ?? 0;

    /// <summary>Queued trials of a sweep, front first.</summary>
    /// <param name="sweepId">The sweep.</param>
    public IReadOnlyList<string> GetQueued(string sweepId) => [.. Find(sweepId)?.Queued ?? []];

    /// <summary>Running trials of a sweep, in the order they started.</summary>
    /// <param name="sweepId">The sweep.</param>
    public IReadOnlyList<string> GetRunning(string sweepId) => [.. Find(sweepId)?.Running ?? []];

    private Entry? Find(string sweepId) => _sweeps.FirstOrDefault(s => s.SweepId == sweepId);

    private void DropIfIdle(Entry entry)
    {
        if (entry.Queued.Count == 0 && entry.Running.Count == 0)
        {
            Drop(entry);
        }
    }

    private void Drop(Entry entry)
    {
        var index = _sweeps.IndexOf(entry);
        _sweeps.RemoveAt(index);
        if (index < _cursor)
        {
            _cursor--;
        }

        if (_cursor >= _sweeps.Count)
        {
            _cursor = 0;
        }
    }

    private sealed class Entry(string sweepId, int maxConcurrent)
    {
        public string SweepId { get; } = sweepId;

        public int MaxConcurrent { get; set; } = maxConcurrent;

        public List<string> Queued { get; } = [];

        public List<string> Running { get; } = [];

        /// <summary>Queued and running trials, for duplicate checks.</summary>
        public HashSet<string> Members { get; } = new(StringComparer.Ordinal);
    }
}
