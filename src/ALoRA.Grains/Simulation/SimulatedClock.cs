namespace ALoRA.Grains.Simulation;

/// <summary>
/// Paces an attempt of the simulated engine: simulated second s falls due s / scale wall seconds after the attempt
/// started. A device thread sleeps until the next event is due, but at least <c>interval</c> after its previous
/// wake-up (events due meanwhile are reported together); the end of the attempt is waited for exactly.
/// </summary>
internal sealed class SimulatedClock(double scale, TimeSpan interval, TimeProvider time, CancellationToken cancellationToken)
{
    private readonly long _start = time.GetTimestamp();
    private double _lastWake;

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

        var until = exact ? due : Math.Max(due, _lastWake + interval.TotalSeconds);
        if (cancellationToken.WaitHandle.WaitOne(TimeSpan.FromSeconds(until - now)))
        {
            cancellationToken.ThrowIfCancellationRequested();
        }

        _lastWake = time.GetElapsedTime(_start).TotalSeconds;
    }
}
