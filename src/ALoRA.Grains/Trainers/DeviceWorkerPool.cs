using System.Collections.Concurrent;

namespace ALoRA.Grains.Trainers;

/// <summary>
/// The silo's device threads, one per device, created on first use. Disposed with the silo's services: then
/// <see cref="Stopping"/> is cancelled, so training that outlives its silo (the silo was killed, not drained) stops
/// at its next step instead of running on unowned.
/// </summary>
public sealed class DeviceWorkerPool : IDisposable
{
    private readonly ConcurrentDictionary<string, DeviceWorker> _workers = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Cancelled when the silo's services are disposed.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>The worker of <paramref name="device"/>.</summary>
    public DeviceWorker Get(string device) => _workers.GetOrAdd(device, d => new DeviceWorker(d));

    /// <inheritdoc />
    public void Dispose()
    {
        _stopping.Cancel();
        foreach (var worker in _workers.Values)
        {
            worker.Dispose();
        }
    }
}
