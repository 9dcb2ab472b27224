using System.Collections.Concurrent;

namespace ALoRA.Grains.Trainers;

/// <summary>The silo's device threads, one per device, created on first use.</summary>
public sealed class DeviceWorkerPool : IDisposable
{
    private readonly ConcurrentDictionary<string, DeviceWorker> _workers = new(StringComparer.Ordinal);

    /// <summary>The worker of <paramref name="device"/>.</summary>
    public DeviceWorker Get(string device) => _workers.GetOrAdd(device, d => new DeviceWorker(d));

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var worker in _workers.Values)
        {
            worker.Dispose();
        }
    }
}
