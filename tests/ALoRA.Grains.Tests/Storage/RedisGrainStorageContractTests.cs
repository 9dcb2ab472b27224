using ALoRA.Grains.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Storage;
using Polly;

namespace ALoRA.Grains.Tests.Storage;

/// <summary>The storage contract, against <see cref="RedisGrainStorage"/> on a real <c>redis-server</c> (a key prefix per test).</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisGrainStorageContractTests(RedisFixture redis) : GrainStorageContract, IAsyncLifetime
{
    private readonly string _prefix = $"test-{Guid.NewGuid():N}/state";
    private readonly List<RedisGrainStorage> _instances = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var instance in _instances)
        {
            await instance.DisposeAsync();
        }
    }

    protected override IGrainStorage NewStorage() => Storage();

    protected override Task PutRawAsync(GrainId grain, string content) => redis.Server.CommandAsync("SET", Key(grain), content);

    protected override Task<string?> GetRawAsync(GrainId grain) => redis.Server.CommandAsync("GET", Key(grain));

    protected override string Where(GrainId grain) => $"Redis key '{Key(grain)}'";

    [Fact]
    public async Task Key_IsPrefixStateNameGrainTypeAndKey()
    {
        await NewStorage().WriteStateAsync(StateName, GrainId.Create("trainer", "node-a/cpu:0"), new GrainState<CounterState> { State = new CounterState { Count = 1 } });

        Assert.NotNull(await redis.Server.CommandAsync("GET", $"{_prefix}/alora/trainer/node-a/cpu:0"));
    }

    [Fact]
    public async Task ValueOfAnotherRedisType_IsUnreadable_AndLeftAsItIs()
    {
        await redis.Server.CommandAsync("HSET", Key(Grain), "data", "{}");
        var state = new GrainState<TolerantState>();

        await NewStorage().ReadStateAsync(StateName, Grain, state);

        Assert.Contains("not a string", state.State!.UnreadableReason, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidDataException>(() => NewStorage().WriteStateAsync(StateName, Grain, new GrainState<TolerantState> { State = new TolerantState() }));
        Assert.Equal("hash", await redis.Server.CommandAsync("TYPE", Key(Grain)));
        await Assert.ThrowsAsync<InvalidDataException>(() => NewStorage().ReadStateAsync(StateName, Grain, new GrainState<CounterState>()));
    }

    [Fact]
    public async Task RedisUnreachable_WriteFailsWithAFailureTheStoragePipelineRetries()
    {
        var storage = new RedisGrainStorage("test", new RedisGrainStorageOptions { ConnectionString = "127.0.0.1:1,connectTimeout=200", KeyPrefix = _prefix },
            ResiliencePipeline.Empty, NullLogger<RedisGrainStorage>.Instance);
        _instances.Add(storage);

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => storage.WriteStateAsync(StateName, Grain, new GrainState<CounterState> { State = new CounterState() }));

        Assert.True(ALoRA.Grains.Resilience.TransientFailures.IsTransientStorageFailure(ex), ex.ToString());
    }

    private string Key(GrainId grain) => $"{_prefix}/{StateName}/{grain.Type}/{grain.Key}";

    private RedisGrainStorage Storage()
    {
        var storage = new RedisGrainStorage("test", new RedisGrainStorageOptions { ConnectionString = redis.Server.ConnectionString, KeyPrefix = _prefix },
            ResiliencePipeline.Empty, NullLogger<RedisGrainStorage>.Instance);
        _instances.Add(storage);
        return storage;
    }
}
