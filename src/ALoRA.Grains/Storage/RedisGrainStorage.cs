using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using Polly;
using StackExchange.Redis;

namespace ALoRA.Grains.Storage;

/// <summary>
/// Grain storage in Redis for a cluster: one string value per grain state at
/// <c>&lt;key prefix&gt;/&lt;state name&gt;/&lt;grain type&gt;/&lt;grain key&gt;</c>, holding exactly what
/// <see cref="FileGrainStorage"/> writes to a file (<see cref="GrainStateFormat"/>: <c>schema_version</c>, a stable
/// <c>state_type</c>, <c>etag</c>, <c>written_at</c> and the <c>state</c> as System.Text.Json writes it, with no .NET
/// type names), so <c>redis-cli get &lt;key&gt;</c> shows the same JSON a file would.
/// </summary>
/// <remarks>
/// <para>
/// Writes and clears are Lua scripts that compare the stored <c>etag</c> with the caller's and change the value in the
/// same atomic step, so optimistic concurrency holds across silos: a stale ETag (null meaning "no record") throws
/// <see cref="InconsistentStateException"/>. A retried write whose first attempt already landed is recognised by its new
/// ETag and not repeated.
/// </para>
/// <para>
/// A value that is not a record of this format (garbage, a newer <c>schema_version</c>, another state type, a Redis
/// hash or list) is never overwritten, cleared or reset: reading it gives a state marked unreadable
/// (<see cref="IUnreadableStateAware"/>) or throws <see cref="InvalidDataException"/> naming the key. Connection
/// failures and timeouts are retried through the <c>AloraResilience.Storage</c> pipeline; the connection itself is made
/// on first use and re-established by StackExchange.Redis in the background.
/// </para>
/// </remarks>
[DebuggerDisplay("RedisGrainStorage {Name} at {KeyPrefix}")]
public sealed partial class RedisGrainStorage : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable, IDisposable
{
    private const string Unreadable = "unreadable";
    private const string Conflict = "conflict";

    // KEYS[1] = the state's key; ARGV[1] = expected ETag ('' = no record), ARGV[2] = new ETag, ARGV[3] = the record.
    private const string WriteScript = """
        local v = redis.call('GET', KEYS[1])
        local stored = ''
        if v then
          stored = string.match(string.sub(v, 1, 1024), '"etag"%s*:%s*"([^"]*)"')
          if not stored then return {'unreadable', ''} end
        end
        if stored == ARGV[2] then return {'done', stored} end
        if stored ~= ARGV[1] then return {'conflict', stored} end
        redis.call('SET', KEYS[1], ARGV[3])
        return {'done', ARGV[2]}
        """;

    // KEYS[1] = the state's key; ARGV[1] = expected ETag ('' = no record), ARGV[2] = '1' when an earlier attempt may have deleted it.
    private const string ClearScript = """
        local v = redis.call('GET', KEYS[1])
        if not v then
          if ARGV[1] == '' or ARGV[2] == '1' then return {'done', ''} end
          return {'conflict', ''}
        end
        local stored = string.match(string.sub(v, 1, 1024), '"etag"%s*:%s*"([^"]*)"')
        if not stored then return {'unreadable', ''} end
        if stored ~= ARGV[1] then return {'conflict', stored} end
        redis.call('DEL', KEYS[1])
        return {'done', stored}
        """;

    private readonly ConfigurationOptions _configuration;
    private readonly ResiliencePipeline _pipeline;
    private readonly ILogger<RedisGrainStorage> _logger;
    private readonly TimeProvider _time;
    private readonly Lazy<Task<ConnectionMultiplexer>> _connection;

    /// <summary>Creates a storage provider for <see cref="RedisGrainStorageOptions.ConnectionString"/>; nothing connects yet.</summary>
    /// <param name="name">Name of the provider (for messages).</param>
    /// <param name="options">The settings; validated here.</param>
    /// <param name="pipeline">Retries around Redis calls, normally <c>AloraResilience.Storage</c>; <see cref="ResiliencePipeline.Empty"/> for none.</param>
    /// <param name="logger">Logger.</param>
    /// <param name="timeProvider">Clock for <c>written_at</c>; the system clock by default.</param>
    /// <exception cref="OptionsValidationException"><paramref name="options"/> are invalid.</exception>
    public RedisGrainStorage(string name, RedisGrainStorageOptions options, ResiliencePipeline pipeline, ILogger<RedisGrainStorage> logger,
                             TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(options);
        var validation = new RedisGrainStorageOptionsValidator().Validate(name, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(name, typeof(RedisGrainStorageOptions), validation.Failures);
        }

        Name = name;
        KeyPrefix = options.KeyPrefix.TrimEnd('/');
        _configuration = ConfigurationOptions.Parse(options.ConnectionString);
        // Start even when Redis is not up yet: commands fail (and are retried) until the connection is made.
        _configuration.AbortOnConnectFail = false;
        _pipeline = pipeline ?? throw new ArgumentNullException(nameof(pipeline));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _time = timeProvider ?? TimeProvider.System;
        _connection = new Lazy<Task<ConnectionMultiplexer>>(ConnectAsync);
    }

    /// <summary>Name of the storage provider.</summary>
    public string Name { get; }

    /// <summary>Prefix of every key (no trailing <c>/</c>).</summary>
    public string KeyPrefix { get; }

    /// <summary>The Redis key that holds <paramref name="stateName"/> of <paramref name="grainId"/>.</summary>
    public string Key(string stateName, GrainId grainId) => $"{KeyPrefix}/{stateName}/{grainId.Type}/{grainId.Key}";

    /// <inheritdoc />
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var key = Key(stateName, grainId);
        var where = Where(key);
        var database = await DatabaseAsync().ConfigureAwait(false);
        try
        {
            var value = await _pipeline.ExecuteAsync(
                async (k, _) => await CallAsync(() => database.StringGetAsync(k), k).ConfigureAwait(false), key, CancellationToken.None).ConfigureAwait(false);
            if (value.IsNull)
            {
                GrainStateFormat.SetNoRecord(grainState);
            }
            else
            {
                GrainStateFormat.ReadInto(grainState, (byte[])value!, where);
            }

            LogRead(stateName, grainId, key, grainState.ETag);
        }
        catch (InvalidDataException ex)
        {
            LogUnreadable(ex, Name, key);
            if (!UnreadableState.TryTolerate(grainState, ex))
            {
                throw;
            }
        }
    }

    /// <inheritdoc />
    /// <exception cref="InconsistentStateException">The stored ETag is not <paramref name="grainState"/>'s.</exception>
    /// <exception cref="InvalidDataException">The stored value is not a record of this format; it is left as it is.</exception>
    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var key = Key(stateName, grainId);
        UnreadableState.ThrowIfUnreadable(grainState.ETag, Name, Where(key));
        var etag = Guid.NewGuid().ToString("N");
        var record = GrainStateFormat.Serialize(grainState.State, GrainStateFormat.StateTypeName(typeof(T)), etag, _time.GetUtcNow());
        var expected = grainState.ETag ?? "";
        var database = await DatabaseAsync().ConfigureAwait(false);
        var (outcome, stored) = await _pipeline.ExecuteAsync(
            async _ => await RunAsync(database, WriteScript, key, [expected, etag, record]).ConfigureAwait(false), CancellationToken.None).ConfigureAwait(false);
        ThrowUnlessDone(outcome, stored, stateName, grainId, key, grainState.ETag);
        grainState.ETag = etag;
        grainState.RecordExists = true;
        LogWritten(stateName, grainId, key, etag);
    }

    /// <inheritdoc />
    /// <exception cref="InconsistentStateException">The stored ETag is not <paramref name="grainState"/>'s.</exception>
    /// <exception cref="InvalidDataException">The stored value is not a record of this format; it is left as it is.</exception>
    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var key = Key(stateName, grainId);
        UnreadableState.ThrowIfUnreadable(grainState.ETag, Name, Where(key));
        var expected = grainState.ETag ?? "";
        var database = await DatabaseAsync().ConfigureAwait(false);
        var attempted = false;
        var (outcome, stored) = await _pipeline.ExecuteAsync(
            async _ =>
            {
                var retry = attempted && expected.Length > 0 ? "1" : "0";
                attempted = true;
                return await RunAsync(database, ClearScript, key, [expected, retry]).ConfigureAwait(false);
            },
            CancellationToken.None).ConfigureAwait(false);
        ThrowUnlessDone(outcome, stored, stateName, grainId, key, grainState.ETag);
        GrainStateFormat.SetNoRecord(grainState);
        LogCleared(stateName, grainId, key);
    }

    /// <summary>Connects when the silo starts (a connection that is not up yet keeps being retried in the background).</summary>
    /// <param name="lifecycle">The silo's lifecycle.</param>
    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe($"{nameof(RedisGrainStorage)}-{Name}", ServiceLifecycleStage.ApplicationServices, StartAsync);
    }

    /// <summary>Makes the connection.</summary>
    /// <param name="cancellationToken">Unused: the connection attempt is bounded by the connection string's <c>connectTimeout</c>.</param>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var connection = await _connection.Value.ConfigureAwait(false);
        LogStarted(Name, KeyPrefix, connection.IsConnected);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_connection.IsValueCreated)
        {
            var connection = await _connection.Value.ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private static string Where(string key) => $"Redis key '{key}'";

    private async Task<ConnectionMultiplexer> ConnectAsync() =>
        await ConnectionMultiplexer.ConnectAsync(_configuration).ConfigureAwait(false);

    private async Task<IDatabase> DatabaseAsync() => (await _connection.Value.ConfigureAwait(false)).GetDatabase();

    private static async Task<(string Outcome, string Stored)> RunAsync(IDatabase database, string script, string key, RedisValue[] arguments)
    {
        var result = await CallAsync(() => database.ScriptEvaluateAsync(script, [key], arguments), key).ConfigureAwait(false);
        var parts = (RedisResult[])result!;
        return (parts[0].ToString(), parts[1].ToString());
    }

    /// <summary>Runs a command; a value of another Redis type (WRONGTYPE) is an unreadable record.</summary>
    private static async Task<TResult> CallAsync<TResult>(Func<Task<TResult>> command, string key)
    {
        try
        {
            return await command().ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("WRONGTYPE", StringComparison.Ordinal))
        {
            throw new InvalidDataException(
                $"{Where(key)}: holds a Redis value that is not a string, so it is not a grain state this storage wrote. The stored grain state cannot be read; it was left as it is — repair or delete it.",
                ex);
        }
    }

    private void ThrowUnlessDone(string outcome, string stored, string stateName, GrainId grainId, string key, string? expected)
    {
        switch (outcome)
        {
            case Unreadable:
                throw new InvalidDataException(
                    $"{Where(key)}: holds a value with no '{GrainStateFormat.ETagPropertyName}', so it is not a grain state this storage wrote. It was left as it is — repair or delete it.");
            case Conflict:
                var storedETag = stored.Length == 0 ? null : stored;
                LogETagConflict(stateName, grainId, key, storedETag, expected);
                throw new InconsistentStateException(
                    $"Redis grain storage '{Name}': {key} has ETag '{storedETag ?? "(no record)"}' but the write or clear expected '{expected ?? "(no record)"}'; "
                    + "another activation or process changed the state",
                    storedETag,
                    expected);
        }
    }
}
