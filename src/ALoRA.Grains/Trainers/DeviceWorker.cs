using System.Collections.Concurrent;

namespace ALoRA.Grains.Trainers;

/// <summary>
/// One device's dedicated thread (docs/engine-notes.md, Orleans): training jobs run here, one at a time, never on the grain
/// scheduler or the thread pool. Completions resume asynchronously, so awaiting a job from a grain continues on the
/// grain's scheduler.
/// </summary>
public sealed class DeviceWorker : IDisposable
{
    private readonly BlockingCollection<Action> _jobs = new();
    private readonly Thread _thread;

    /// <summary>Starts the thread for <paramref name="device"/>.</summary>
    public DeviceWorker(string device)
    {
        Device = device;
        _thread = new Thread(Loop) { IsBackground = true, Name = $"alora-device-{device}" };
        _thread.Start();
    }

    /// <summary>The device, e.g. <c>cpu:0</c>.</summary>
    public string Device { get; }

    /// <summary>Runs <paramref name="job"/> on the device thread.</summary>
    public Task<T> RunAsync<T>(Func<T> job)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _jobs.Add(() =>
        {
            try
            {
                done.SetResult(job());
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        });
        return done.Task;
    }

    /// <inheritdoc />
    public void Dispose() => _jobs.CompleteAdding();

    private void Loop()
    {
        foreach (var job in _jobs.GetConsumingEnumerable())
        {
            job();
        }
    }
}
