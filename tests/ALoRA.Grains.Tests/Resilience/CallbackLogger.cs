using Microsoft.Extensions.Logging;

namespace ALoRA.Grains.Tests.Resilience;

/// <summary>A logger that counts entries and runs a callback for each.</summary>
internal sealed class CallbackLogger(Action<string>? onLog = null) : ILogger
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public List<string> Messages { get; } = [];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var message = formatter(state, exception);
        lock (Messages)
        {
            Messages.Add(message);
        }

        Interlocked.Increment(ref _count);
        onLog?.Invoke(message);
    }
}
