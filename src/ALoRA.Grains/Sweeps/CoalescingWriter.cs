namespace ALoRA.Grains.Sweeps;

/// <summary>
/// Serialises a grain's state writes and coalesces the requests made while one is under way into the next one: a
/// caller's task completes when a write that started after its request has finished (or fails with that write's
/// error). Used on the grain's scheduler only, so two writes never overlap and a burst of state changes costs two writes.
/// </summary>
internal sealed class CoalescingWriter(Func<Task> write)
{
    private TaskCompletionSource? _waiting;
    private bool _writing;

    /// <summary>Requests a write of the state as it is now.</summary>
    public Task WriteAsync()
    {
        _waiting ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var requested = _waiting.Task;
        if (!_writing)
        {
            _ = PumpAsync();
        }

        return requested;
    }

    private async Task PumpAsync()
    {
        _writing = true;
        try
        {
            while (_waiting is { } batch)
            {
                _waiting = null;
                try
                {
                    await write();
                    batch.SetResult();
                }
                catch (Exception ex)
                {
                    batch.SetException(ex);
                }
            }
        }
        finally
        {
            _writing = false;
        }
    }
}
