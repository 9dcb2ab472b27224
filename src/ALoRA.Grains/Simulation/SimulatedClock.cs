namespace ALoRA.Grains.Simulation;

/// <summary>
/// Paces an attempt of the simulated engine: simulated second s falls due s / scale wall seconds after the attempt
/// started. A device thread sleeps until the next event is due, but at least <c>interval</c> after its previous
/// wake-up (events due meanwhile are reported together), never longer than until <see cref="End"/> once that is set:
/// the coalescing must not make the attempt end late. The end of the attempt is waited for exactly.
/// </summary>
internal sealed class SimulatedClock(double scale, TimeSpan interval, TimeProvider time, CancellationToken cancellationToken)
{
    private readonly long _start = time.GetTimestamp();
    private double _lastWake;

    /// <summary>The simulated second the attempt is expected to end at (infinite until set): waits are not coalesced past it.</summary>
    public double End { get; set; } = double.PositiveInfinity;

    /// <summary>Returns once simulated second <paramref name="seconds"/> of the attempt is due.</summary>
    /// <exception cref="OperationCanceledException">Cancelled while waiting.</exception>
    public void WaitUntil(double seconds, bool exact = false)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var due = seconds / scale;
        var now = time.GetElapsedTime(_start).TotalSeconds;
        if (due <= now)
        {
            return;
        }

        var until = exact ? due : Math.Max(due, Math.Min(_lastWake + interval.TotalSeconds, End / scale));

        // Whole milliseconds, rounded up, and again if the wait still returned early: no event is reported before it is
        // due (a few tries only, so a clock that does not advance, as a test's, cannot hold the thread).
        for (var tries = 0; tries < 3 && (tries == 0 || now < due); tries++)
        {
            if (cancellationToken.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(Math.Ceiling((until - now) * 1000))))
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            now = time.GetElapsedTime(_start).TotalSeconds;
            until = due;
        }

        _lastWake = now;
    }
}
