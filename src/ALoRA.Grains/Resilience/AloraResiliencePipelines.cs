using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace ALoRA.Grains.Resilience;

/// <summary>
/// Builds the ALoRA resilience pipelines without DI (the CLI, tests, code outside a host). The same construction
/// backs the pipelines registered by <see cref="AloraResilienceExtensions"/>. Build a pipeline once and reuse it.
/// </summary>
/// <remarks>
/// A pipeline is, from the outside in: the total timeout, the retry, the per-attempt timeout. A timeout cancels the
/// token passed to the callback, so callbacks must honour it; a timed-out execution throws
/// <see cref="TimeoutRejectedException"/>. Cancelling the caller's token is never retried.
/// </remarks>
public static partial class AloraResiliencePipelines
{
    /// <summary>The <see cref="AloraResilience.Storage"/> pipeline.</summary>
    /// <param name="options">Settings; <see cref="AloraResilienceOptions.Storage"/>'s defaults when null.</param>
    /// <param name="timeProvider">Clock for delays and timeouts; the system clock when null.</param>
    /// <param name="logger">Receives a warning per retry; none when null.</param>
    public static ResiliencePipeline CreateStorage(AloraRetryOptions? options = null, TimeProvider? timeProvider = null, ILogger? logger = null) =>
        Create(AloraResilience.Storage, options ?? new AloraResilienceOptions().Storage, timeProvider, logger);

    /// <summary>The <see cref="AloraResilience.GrainCalls"/> pipeline.</summary>
    /// <param name="options">Settings; <see cref="AloraResilienceOptions.GrainCalls"/>'s defaults when null.</param>
    /// <param name="timeProvider">Clock for delays and timeouts; the system clock when null.</param>
    /// <param name="logger">Receives a warning per retry; none when null.</param>
    public static ResiliencePipeline CreateGrainCalls(AloraRetryOptions? options = null, TimeProvider? timeProvider = null, ILogger? logger = null) =>
        Create(AloraResilience.GrainCalls, options ?? new AloraResilienceOptions().GrainCalls, timeProvider, logger);

    /// <summary>The <see cref="AloraResilience.ClientConnect"/> pipeline.</summary>
    /// <param name="options">Settings; <see cref="AloraResilienceOptions.ClientConnect"/>'s defaults when null.</param>
    /// <param name="timeProvider">Clock for delays and timeouts; the system clock when null.</param>
    /// <param name="logger">Receives a warning per retry; none when null.</param>
    public static ResiliencePipeline CreateClientConnect(AloraRetryOptions? options = null, TimeProvider? timeProvider = null, ILogger? logger = null) =>
        Create(AloraResilience.ClientConnect, options ?? new AloraResilienceOptions().ClientConnect, timeProvider, logger);

    /// <summary>The pipeline named <paramref name="key"/> (one of <see cref="AloraResilience.All"/>) with <paramref name="options"/>.</summary>
    /// <param name="key">Which pipeline; decides which failures are retried.</param>
    /// <param name="options">Settings.</param>
    /// <param name="timeProvider">Clock for delays and timeouts; the system clock when null.</param>
    /// <param name="logger">Receives a warning per retry; none when null.</param>
    /// <exception cref="ArgumentException"><paramref name="key"/> is unknown or <paramref name="options"/> are invalid.</exception>
    public static ResiliencePipeline Create(string key, AloraRetryOptions options, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        var builder = new ResiliencePipelineBuilder { Name = key };
        if (timeProvider is not null)
        {
            builder.TimeProvider = timeProvider;
        }

        Configure(builder, key, options, logger);
        return builder.Build();
    }

    /// <summary>The retry predicate of the pipeline named <paramref name="key"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="key"/> is not an ALoRA pipeline.</exception>
    public static Func<Exception, bool> TransientPredicate(string key) => key switch
    {
        AloraResilience.Storage => TransientFailures.IsTransientStorageFailure,
        AloraResilience.GrainCalls => TransientFailures.IsTransientGrainCallFailure,
        AloraResilience.ClientConnect => TransientFailures.IsTransientConnectFailure,
        _ => throw new ArgumentException($"'{key}' is not an ALoRA resilience pipeline; expected one of {string.Join(", ", AloraResilience.All)}", nameof(key)),
    };

    /// <summary>Adds the strategies of the pipeline named <paramref name="key"/> to <paramref name="builder"/>.</summary>
    internal static void Configure(ResiliencePipelineBuilder builder, string key, AloraRetryOptions options, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var isTransient = TransientPredicate(key);
        var errors = new List<string>();
        AloraResilienceOptionsValidator.Check(key, options, errors);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }

        var log = logger ?? NullLogger.Instance;
        var retryTimeouts = options.AttemptTimeout is not null;
        if (options.TotalTimeout is { } total)
        {
            builder.AddTimeout(new TimeoutStrategyOptions { Name = $"{key}-total-timeout", Timeout = total });
        }

        if (options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                Name = $"{key}-retry",
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } ex && ((retryTimeouts && ex is TimeoutRejectedException) || isTransient(ex))),
                MaxRetryAttempts = options.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                Delay = options.BaseDelay,
                MaxDelay = options.MaxDelay,
                UseJitter = options.UseJitter,
                OnRetry = args =>
                {
                    var ex = args.Outcome.Exception;
                    LogRetry(log, key, args.AttemptNumber + 1, ex?.GetType().Name, ex?.Message, args.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            });
        }

        if (options.AttemptTimeout is { } attempt)
        {
            builder.AddTimeout(new TimeoutStrategyOptions { Name = $"{key}-attempt-timeout", Timeout = attempt });
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Pipeline}: attempt {Attempt} failed with {ErrorType} ({Error}); retrying in {Delay}")]
    private static partial void LogRetry(ILogger logger, string pipeline, int attempt, string? errorType, string? error, TimeSpan delay);
}
