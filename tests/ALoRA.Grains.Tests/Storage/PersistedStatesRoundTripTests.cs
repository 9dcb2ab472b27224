using System.Reflection;
using ALoRA.Grains.Storage;
using ALoRA.Grains.Sweeps;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Serialization;
using Orleans.Storage;
using Polly;

namespace ALoRA.Grains.Tests.Storage;

/// <summary>
/// Every persisted grain state type (found by reflection: each <c>[PersistentState]</c> of every grain) survives every
/// way it is stored or sent — the file provider, the Redis provider (a real server) and Orleans' serializer — with every
/// field set and with its defaults, compared structurally (<see cref="DeepEquality"/>), not through a serializer.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class PersistedStatesRoundTripTests(RedisFixture redis) : IDisposable
{
    private static readonly Serializer Orleans = new ServiceCollection()
        .AddSerializer(b => b.AddAssembly(typeof(SweepCoordinatorState).Assembly))
        .BuildServiceProvider()
        .GetRequiredService<Serializer>();

    private readonly TempDirectory _root = new();

    public void Dispose() => _root.Dispose();

    /// <summary>The state type of every <c>[PersistentState]</c> constructor parameter of every grain class.</summary>
    public static TheoryData<Type> PersistedStateTypes()
    {
        var data = new TheoryData<Type>();
        foreach (var type in StateTypes())
        {
            data.Add(type);
        }

        return data;
    }

    internal static IEnumerable<Type> StateTypes() =>
        typeof(SweepCoordinatorState).Assembly.GetTypes()
            .Where(t => t.IsClass && !t.IsAbstract && typeof(Grain).IsAssignableFrom(t))
            .SelectMany(t => t.GetConstructors())
            .SelectMany(c => c.GetParameters())
            .Where(p => p.GetCustomAttribute<PersistentStateAttribute>() is not null)
            .Select(p => p.ParameterType.GetGenericArguments().Single())
            .Distinct()
            .OrderBy(t => t.Name, StringComparer.Ordinal);

    [Fact]
    public void EveryGrainStateIsFound_AndToleratesAnUnreadableRecord()
    {
        var types = StateTypes().ToList();

        Assert.Equal(["ExperimentState", "SchedulerState", "StoppingState", "SweepCoordinatorState"], types.Select(t => t.Name));
        Assert.All(types, t => Assert.True(typeof(IUnreadableStateAware).IsAssignableFrom(t), $"{t.Name} must implement IUnreadableStateAware"));
        Assert.All(types, t => Assert.NotNull(t.GetCustomAttribute<AliasAttribute>()));
    }

    [Theory]
    [MemberData(nameof(PersistedStateTypes))]
    public void Filler_SetsEveryPersistedFieldAtEveryDepthToANonDefaultValue(Type type)
    {
        var filled = new StateFiller().Fill(type);

        Assert.Null(DeepEquality.FirstDifference(filled, new StateFiller().Fill(type)));
        Assert.NotNull(DeepEquality.FirstDifference(Activator.CreateInstance(type), filled));
        Assert.Empty(StateFiller.PathsLeftAtDefault(filled)); // at every depth, e.g. a bool that defaults to true
        Assert.Empty(StateFiller.PersistedWithoutSetter(type));
    }

    [Theory]
    [MemberData(nameof(PersistedStateTypes))]
    public async Task FilledAndDefault_RoundTripThroughTheFileProvider(Type type)
    {
        var storage = new FileGrainStorage("alora", new FileGrainStorageOptions { RootDirectory = _root.Path }, ResiliencePipeline.Empty, NullLogger<FileGrainStorage>.Instance);
        await AssertRoundTripsAsync(type, storage);
    }

    [Theory]
    [MemberData(nameof(PersistedStateTypes))]
    public async Task FilledAndDefault_RoundTripThroughTheRedisProvider(Type type)
    {
        await using var storage = new RedisGrainStorage("alora", new RedisGrainStorageOptions { ConnectionString = redis.Server.ConnectionString, KeyPrefix = $"rt-{Guid.NewGuid():N}" },
            ResiliencePipeline.Empty, NullLogger<RedisGrainStorage>.Instance);
        await AssertRoundTripsAsync(type, storage);
    }

    [Theory]
    [MemberData(nameof(PersistedStateTypes))]
    public void FilledAndDefault_RoundTripThroughOrleansSerializer(Type type)
    {
        foreach (var original in new[] { new StateFiller().Fill(type), Activator.CreateInstance(type)! })
        {
            var copy = Orleans.Deserialize<object>(Orleans.SerializeToArray<object>(original));

            Assert.IsType(type, copy);
            Assert.Null(DeepEquality.FirstDifference(original, copy));
        }
    }

    private static async Task AssertRoundTripsAsync(Type type, IGrainStorage storage)
    {
        var method = typeof(PersistedStatesRoundTripTests).GetMethod(nameof(RoundTripAsync), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(type);
        await (Task)method.Invoke(null, [storage, new StateFiller().Fill(type), "filled"])!;
        await (Task)method.Invoke(null, [storage, Activator.CreateInstance(type)!, "default"])!;
    }

    private static async Task RoundTripAsync<T>(IGrainStorage storage, T original, string key)
    {
        var grain = GrainId.Create("state", $"{typeof(T).Name}-{key}");
        await storage.WriteStateAsync("alora", grain, new GrainState<T> { State = original });
        var read = new GrainState<T>();
        await storage.ReadStateAsync("alora", grain, read);

        Assert.True(read.RecordExists);
        Assert.Null(((IUnreadableStateAware)read.State!).UnreadableReason);
        Assert.Null(DeepEquality.FirstDifference(original, read.State));
    }
}
