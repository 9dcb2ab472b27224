using System.Reflection;
using System.Text.Json;
using ALoRA.Grains.Resilience;
using Orleans.Runtime.Messaging;
using Orleans.Storage;
using Polly;
using Polly.Timeout;

namespace ALoRA.Grains.Tests.Resilience;

public sealed class AloraResiliencePipelinesTests
{
    private static AloraRetryOptions NoDelay(int retries, TimeSpan? attemptTimeout = null, TimeSpan? totalTimeout = null) => new()
    {
        MaxRetryAttempts = retries,
        BaseDelay = TimeSpan.Zero,
        MaxDelay = TimeSpan.Zero,
        AttemptTimeout = attemptTimeout,
        TotalTimeout = totalTimeout,
    };

    // Orleans creates these itself; their constructors are internal.
    private static T Internal<T>(string message)
        where T : Exception =>
        (T)Activator.CreateInstance(typeof(T), BindingFlags.Instance | BindingFlags.NonPublic, null, [message], null)!;

    private static async Task<(int Attempts, Exception? Error)> RunFailing(ResiliencePipeline pipeline, Func<Exception> error)
    {
        var attempts = 0;
        try
        {
            await pipeline.ExecuteAsync(_ =>
            {
                Interlocked.Increment(ref attempts);
                throw error();
            }, CancellationToken.None);
        }
        catch (Exception ex)
        {
            return (attempts, ex);
        }

        return (attempts, null);
    }

    public static TheoryData<string, Exception> TransientStorageErrors => new()
    {
        { "io", new IOException("sharing violation") },
        { "timeout", new TimeoutException() },
    };

    public static TheoryData<string, Exception> PermanentStorageErrors => new()
    {
        { "json", new JsonException("bad") },
        { "invalid data", new InvalidDataException("bad") },
        { "etag", new InconsistentStateException("conflict", "a", "b") },
        { "access", new UnauthorizedAccessException() },
        { "missing file", new FileNotFoundException() },
        { "missing folder", new DirectoryNotFoundException() },
        { "path too long", new PathTooLongException() },
        { "argument", new ArgumentException("bad") },
        { "cancelled", new OperationCanceledException() },
    };

    [Theory]
    [MemberData(nameof(TransientStorageErrors))]
    public async Task Storage_TransientError_IsRetriedConfiguredTimes(string what, Exception error)
    {
        var (attempts, thrown) = await RunFailing(AloraResiliencePipelines.CreateStorage(NoDelay(3)), () => error);

        Assert.Equal(4, attempts);
        Assert.Same(error, thrown);
        Assert.NotNull(what);
    }

    [Theory]
    [MemberData(nameof(PermanentStorageErrors))]
    public async Task Storage_PermanentError_IsNotRetried(string what, Exception error)
    {
        var (attempts, thrown) = await RunFailing(AloraResiliencePipelines.CreateStorage(NoDelay(3)), () => error);

        Assert.Equal(1, attempts);
        Assert.Same(error, thrown);
        Assert.NotNull(what);
    }

    public static TheoryData<string, Exception> TransientGrainCallErrors => new()
    {
        { "rejected", Internal<OrleansMessageRejectionException>("rejected") },
        { "silo gone", new SiloUnavailableException() },
        { "gateway busy", new GatewayTooBusyException() },
        { "connection", new ConnectionFailedException("refused") },
        { "timeout", new TimeoutException() },
    };

    public static TheoryData<string, Exception> PermanentGrainCallErrors => new()
    {
        { "placement", new OrleansException("no active silo named 'node-b'") },
        { "etag", new InconsistentStateException("conflict") },
        { "client gone", Internal<ClientNotAvailableException>("gone") },
        { "argument", new ArgumentException("bad") },
        { "cancelled", new OperationCanceledException() },
    };

    [Theory]
    [MemberData(nameof(TransientGrainCallErrors))]
    public async Task GrainCalls_TransientError_IsRetriedConfiguredTimes(string what, Exception error)
    {
        var (attempts, thrown) = await RunFailing(AloraResiliencePipelines.CreateGrainCalls(NoDelay(5)), () => error);

        Assert.Equal(6, attempts);
        Assert.Same(error, thrown);
        Assert.NotNull(what);
    }

    [Theory]
    [MemberData(nameof(PermanentGrainCallErrors))]
    public async Task GrainCalls_PermanentError_IsNotRetried(string what, Exception error)
    {
        var (attempts, thrown) = await RunFailing(AloraResiliencePipelines.CreateGrainCalls(NoDelay(5)), () => error);

        Assert.Equal(1, attempts);
        Assert.Same(error, thrown);
        Assert.NotNull(what);
    }

    [Fact]
    public async Task GrainCalls_TransientThenSuccess_ReturnsResult()
    {
        var attempts = 0;
        var pipeline = AloraResiliencePipelines.CreateGrainCalls(NoDelay(5));

        var result = await pipeline.ExecuteAsync(_ =>
        {
            if (++attempts < 3)
            {
                throw new SiloUnavailableException();
            }

            return ValueTask.FromResult(42);
        }, CancellationToken.None);

        Assert.Equal(42, result);
        Assert.Equal(3, attempts);
    }

    [Fact]
    public async Task ClientConnect_ConnectionFailure_IsRetriedConfiguredTimes()
    {
        var (attempts, thrown) = await RunFailing(AloraResiliencePipelines.CreateClientConnect(NoDelay(2)),
            () => new ConnectionFailedException("refused"));

        Assert.Equal(3, attempts);
        Assert.IsType<ConnectionFailedException>(thrown);
    }

    [Fact]
    public async Task ClientConnect_PermanentError_IsNotRetried()
    {
        var (attempts, _) = await RunFailing(AloraResiliencePipelines.CreateClientConnect(NoDelay(2)), () => new InvalidOperationException());

        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task ClientConnect_HangingAttempts_TimeOutEachAndAreRetried()
    {
        var time = new ImmediateTimeProvider();
        var pipeline = AloraResiliencePipelines.CreateClientConnect(NoDelay(2, attemptTimeout: TimeSpan.FromSeconds(10)), time);
        var attempts = 0;

        await Assert.ThrowsAsync<TimeoutRejectedException>(async () => await pipeline.ExecuteAsync(async ct =>
        {
            Interlocked.Increment(ref attempts);
            await Task.Delay(Timeout.InfiniteTimeSpan, ct);
        }, CancellationToken.None));

        Assert.Equal(3, attempts);
        Assert.All(time.Delays, d => Assert.Equal(TimeSpan.FromSeconds(10), d));
    }

    [Fact]
    public async Task ClientConnect_TotalTimeout_BoundsAllAttempts()
    {
        var pipeline = AloraResiliencePipelines.CreateClientConnect(NoDelay(100, totalTimeout: TimeSpan.FromMilliseconds(100)));
        var attempts = 0;

        await Assert.ThrowsAsync<TimeoutRejectedException>(async () => await pipeline.ExecuteAsync(async ct =>
        {
            Interlocked.Increment(ref attempts);
            await Task.Delay(TimeSpan.FromMilliseconds(20), ct);
            throw new ConnectionFailedException("refused");
        }, CancellationToken.None));

        Assert.InRange(attempts, 1, 10);
    }

    [Fact]
    public async Task CallerCancellation_IsNotRetried()
    {
        using var cts = new CancellationTokenSource();
        var attempts = 0;
        var pipeline = AloraResiliencePipelines.CreateGrainCalls(NoDelay(5));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pipeline.ExecuteAsync(ct =>
        {
            attempts++;
            cts.Cancel();
            ct.ThrowIfCancellationRequested();
            return ValueTask.CompletedTask;
        }, cts.Token));

        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task Delays_GrowExponentiallyFromBaseDelayUpToMaxDelay()
    {
        var time = new ImmediateTimeProvider();
        var options = new AloraRetryOptions
        {
            MaxRetryAttempts = 4,
            BaseDelay = TimeSpan.FromMilliseconds(50),
            MaxDelay = TimeSpan.FromMilliseconds(300),
            UseJitter = false,
        };

        var (attempts, _) = await RunFailing(AloraResiliencePipelines.CreateStorage(options, time), () => new IOException());

        Assert.Equal(5, attempts);
        Assert.Equal([50, 100, 200, 300], time.Delays.Select(d => d.TotalMilliseconds));
    }

    [Fact]
    public async Task Delays_WithJitter_StayWithinMaxDelay()
    {
        var time = new ImmediateTimeProvider();
        var options = new AloraRetryOptions { MaxRetryAttempts = 6, BaseDelay = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromSeconds(1) };

        var (attempts, _) = await RunFailing(AloraResiliencePipelines.CreateGrainCalls(options, time), () => new SiloUnavailableException());

        Assert.Equal(7, attempts);
        Assert.Equal(6, time.Delays.Count);
        Assert.All(time.Delays, d => Assert.InRange(d, TimeSpan.Zero, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task Retries_AreLogged()
    {
        var logger = new CallbackLogger();

        await RunFailing(AloraResiliencePipelines.CreateStorage(NoDelay(2), logger: logger), () => new IOException("disk busy"));

        Assert.Equal(2, logger.Count);
        Assert.Contains("alora-storage", logger.Messages[0], StringComparison.Ordinal);
        Assert.Contains("disk busy", logger.Messages[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ZeroRetries_RunsOnce()
    {
        var (attempts, _) = await RunFailing(AloraResiliencePipelines.CreateStorage(NoDelay(0)), () => new IOException());

        Assert.Equal(1, attempts);
    }

    [Fact]
    public void Defaults_MatchDocumentedAttempts()
    {
        var options = new AloraResilienceOptions();

        Assert.Equal(3, options.Storage.MaxRetryAttempts);
        Assert.Equal(TimeSpan.FromMilliseconds(50), options.Storage.BaseDelay);
        Assert.Equal(5, options.GrainCalls.MaxRetryAttempts);
        Assert.Equal(TimeSpan.FromMilliseconds(200), options.GrainCalls.BaseDelay);
        Assert.NotNull(options.GrainCalls.TotalTimeout);
        Assert.Equal(2, options.ClientConnect.MaxRetryAttempts);
        Assert.NotNull(options.ClientConnect.AttemptTimeout);
        Assert.NotNull(options.ClientConnect.TotalTimeout);
        Assert.True(new AloraResilienceOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void Create_InvalidOptions_ThrowsNamingSetting()
    {
        var ex = Assert.Throws<ArgumentException>(() => AloraResiliencePipelines.CreateStorage(new AloraRetryOptions { MaxRetryAttempts = -1 }));

        Assert.Contains("MaxRetryAttempts", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_UnknownKey_Throws() =>
        Assert.Throws<ArgumentException>(() => AloraResiliencePipelines.Create("nope", new AloraRetryOptions()));

    [Fact]
    public void Validator_ReportsEveryInvalidSettingByName()
    {
        var options = new AloraResilienceOptions
        {
            Storage = new AloraRetryOptions { MaxRetryAttempts = 101 },
            GrainCalls = new AloraRetryOptions { BaseDelay = TimeSpan.FromSeconds(2), MaxDelay = TimeSpan.FromSeconds(1) },
            ClientConnect = new AloraRetryOptions { AttemptTimeout = TimeSpan.FromMilliseconds(1), TotalTimeout = TimeSpan.FromDays(2) },
        };

        var result = new AloraResilienceOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Alora:Resilience:Storage:MaxRetryAttempts", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Alora:Resilience:GrainCalls:MaxDelay", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Alora:Resilience:ClientConnect:AttemptTimeout", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Alora:Resilience:ClientConnect:TotalTimeout", result.FailureMessage, StringComparison.Ordinal);
    }
}
