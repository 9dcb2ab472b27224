using System.Text.Json;
using System.Text.Json.Nodes;
using ALoRA.Grains.Experiments;
using ALoRA.Grains.Scheduling;
using ALoRA.Grains.Stopping;
using ALoRA.Grains.Storage;
using ALoRA.Grains.Sweeps;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Storage;
using Polly;

namespace ALoRA.Grains.Tests.Storage;

/// <summary>
/// States written by schema_version 1 (<c>Fixtures/v1</c>, never regenerated) stay readable: through the file and the
/// Redis provider every field they hold comes back with its value (fields may be added to the types, none may be lost
/// or renamed without a migration).
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class StoredStateFixturesTests(RedisFixture redis) : IDisposable
{
    private static readonly string Folder = Path.Combine(RepositoryPaths.Root, "tests", "ALoRA.Grains.Tests", "Storage", "Fixtures", "v1");

    private readonly TempDirectory _root = new();

    public void Dispose() => _root.Dispose();

    public static TheoryData<string> Fixtures() => new(nameof(SweepCoordinatorState), nameof(ExperimentState), nameof(SchedulerState), nameof(StoppingState));

    [Fact]
    public void EveryPersistedStateType_HasAFixture()
    {
        var types = PersistedStatesRoundTripTests.StateTypes().Select(t => t.Name).Order(StringComparer.Ordinal);

        Assert.Equal(types, Directory.GetFiles(Folder, "*.json").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public async Task V1Record_IsReadWithEveryField_ByTheFileProvider(string type)
    {
        var storage = new FileGrainStorage("alora", new FileGrainStorageOptions { RootDirectory = _root.Path }, ResiliencePipeline.Empty, NullLogger<FileGrainStorage>.Instance);
        var grain = GrainId.Create("fixture", type);
        var path = storage.FilePath("alora", grain);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Copy(Path.Combine(Folder, $"{type}.json"), path);

        await AssertReadsEveryFieldAsync(type, storage, grain);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public async Task V1Record_IsReadWithEveryField_ByTheRedisProvider(string type)
    {
        await using var storage = new RedisGrainStorage("alora", new RedisGrainStorageOptions { ConnectionString = redis.Server.ConnectionString, KeyPrefix = $"fx-{Guid.NewGuid():N}" },
            ResiliencePipeline.Empty, NullLogger<RedisGrainStorage>.Instance);
        var grain = GrainId.Create("fixture", type);
        await redis.Server.CommandAsync("SET", storage.Key("alora", grain), await File.ReadAllTextAsync(Path.Combine(Folder, $"{type}.json")));

        await AssertReadsEveryFieldAsync(type, storage, grain);
    }

    [Fact]
    public async Task V1ExperimentRecord_KeepsItsTargetModules()
    {
        var storage = new FileGrainStorage("alora", new FileGrainStorageOptions { RootDirectory = _root.Path }, ResiliencePipeline.Empty, NullLogger<FileGrainStorage>.Instance);
        var grain = GrainId.Create("fixture", "experiment");
        var path = storage.FilePath("alora", grain);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Copy(Path.Combine(Folder, "ExperimentState.json"), path);

        var read = new GrainState<ExperimentState>();
        await storage.ReadStateAsync("alora", grain, read);

        Assert.Equal(["q_proj", "v_proj"], read.State!.Spec!.Lora.TargetModules);
        Assert.Equal("alora", read.State.Spec.Method);
        Assert.Equal("0f3c5e7a9b1d4c2e8f6a0b3d5c7e9f1a", read.ETag);
    }

    private static async Task AssertReadsEveryFieldAsync(string typeName, IGrainStorage storage, GrainId grain)
    {
        var type = typeof(ExperimentState).Assembly.GetTypes().Single(t => t.Name == typeName);
        var method = typeof(StoredStateFixturesTests).GetMethod(nameof(ReadAsync), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.MakeGenericMethod(type);
        var state = await (Task<object>)method.Invoke(null, [storage, grain])!;
        Assert.Null(((IUnreadableStateAware)state).UnreadableReason);

        var stored = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Folder, $"{typeName}.json")))!["state"]!;
        var current = JsonSerializer.SerializeToNode(state, type, GrainStateFormat.Json)!;
        AssertContains(stored, current, "state");
    }

    private static async Task<object> ReadAsync<T>(IGrainStorage storage, GrainId grain)
    {
        var read = new GrainState<T>();
        await storage.ReadStateAsync("alora", grain, read);
        Assert.True(read.RecordExists);
        return read.State!;
    }

    /// <summary>Every field of <paramref name="stored"/> is in <paramref name="current"/> with the same value.</summary>
    private static void AssertContains(JsonNode? stored, JsonNode? current, string path)
    {
        switch (stored)
        {
            case JsonObject o:
                var c = Assert.IsType<JsonObject>(current);
                foreach (var (name, value) in o)
                {
                    Assert.True(c.ContainsKey(name), $"{path}.{name} was not read back");
                    AssertContains(value, c[name], $"{path}.{name}");
                }

                break;
            case JsonArray a:
                var ca = Assert.IsType<JsonArray>(current);
                Assert.True(a.Count == ca.Count, $"{path}: {a.Count} items stored, {ca.Count} read");
                for (var i = 0; i < a.Count; i++)
                {
                    AssertContains(a[i], ca[i], $"{path}[{i}]");
                }

                break;
            default:
                Assert.True(JsonNode.DeepEquals(stored, current), $"{path}: stored {stored?.ToJsonString() ?? "null"}, read {current?.ToJsonString() ?? "null"}");
                break;
        }
    }
}
