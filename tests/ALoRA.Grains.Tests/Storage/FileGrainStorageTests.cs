using System.Text;
using System.Text.Json;
using ALoRA.Grains.Resilience;
using ALoRA.Grains.Storage;
using ALoRA.Grains.Tests.Resilience;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using Polly;

namespace ALoRA.Grains.Tests.Storage;

/// <summary>What only the file provider does (paths, temp files, a BOM, IO retries); the rest is <see cref="FileGrainStorageContractTests"/>.</summary>
public sealed class FileGrainStorageTests : IDisposable
{
    private const string StateName = "alora";
    private static readonly GrainId Grain = GrainId.Create("experiment", "sweep1-abc123");

    private static readonly AloraRetryOptions FastRetries = new() { MaxRetryAttempts = 3, BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero };

    private readonly TempDirectory _root = new();

    public void Dispose() => _root.Dispose();

    private FileGrainStorage NewStorage(ResiliencePipeline? pipeline = null) =>
        new("test", new FileGrainStorageOptions { RootDirectory = _root.Path }, pipeline ?? ResiliencePipeline.Empty,
            NullLogger<FileGrainStorage>.Instance);

    private static CounterState Sample() => GrainStorageContract.Sample();

    [Fact]
    public async Task ClearStateAsync_DeletesFileAndResetsState()
    {
        var storage = NewStorage();
        var state = new GrainState<CounterState> { State = Sample() };
        await storage.WriteStateAsync(StateName, Grain, state);
        var path = storage.FilePath(StateName, Grain);
        Assert.True(File.Exists(path));

        await storage.ClearStateAsync(StateName, Grain, state);

        Assert.False(File.Exists(path));
        Assert.Null(state.ETag);
        Assert.False(state.RecordExists);
        Assert.Equal(0, state.State!.Count);
        var read = new GrainState<CounterState>();
        await storage.ReadStateAsync(StateName, Grain, read);
        Assert.False(read.RecordExists);

        // After a clear, a write expecting no record succeeds.
        await storage.WriteStateAsync(StateName, Grain, state);
        Assert.True(File.Exists(path));
    }

    [Fact]
    public async Task File_HasEnvelopeFieldsAndNoDotNetTypeNames()
    {
        var storage = NewStorage();
        var state = new GrainState<CounterState> { State = Sample() };
        await storage.WriteStateAsync(StateName, Grain, state);
        var path = storage.FilePath(StateName, Grain);
        Assert.Equal(Path.Combine(_root.Path, "alora", "experiment", "sweep1-abc123.json"), path);

        var text = await File.ReadAllTextAsync(path, Encoding.UTF8);
        using var doc = JsonDocument.Parse(text, new JsonDocumentOptions());
        var root = doc.RootElement;
        Assert.Equal(1, root.GetProperty("schema_version").GetInt32());
        Assert.Equal("test.CounterState", root.GetProperty("state_type").GetString());
        Assert.Equal(state.ETag, root.GetProperty("etag").GetString());
        Assert.True(root.GetProperty("written_at").TryGetDateTimeOffset(out _));
        var s = root.GetProperty("state");
        Assert.Equal(3, s.GetProperty("count").GetInt32());
        Assert.Equal("Running", s.GetProperty("phase").GetString());
        Assert.Equal("NaN", s.GetProperty("loss").GetString());
        Assert.True(s.GetProperty("rank_pattern").TryGetProperty("model.layers.0.self_attn.q_proj", out _));
        Assert.Equal("n", s.GetProperty("nested").GetProperty("name").GetString());
        Assert.DoesNotContain("$type", text, StringComparison.Ordinal);
        Assert.DoesNotContain("ALoRA.Grains", text, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task File_StateWithoutAlias_IsNamedByClassName()
    {
        var storage = NewStorage();
        await storage.WriteStateAsync(StateName, Grain, new GrainState<NestedRecord> { State = new NestedRecord { Name = "x" } });

        using var doc = JsonDocument.Parse(await File.ReadAllBytesAsync(storage.FilePath(StateName, Grain)));

        Assert.Equal("NestedRecord", doc.RootElement.GetProperty("state_type").GetString());
    }

    [Fact]
    public async Task WriteStateAsync_OverCorruptFile_ThrowsAndDoesNotOverwrite()
    {
        var storage = NewStorage();
        var path = storage.FilePath(StateName, Grain);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, "not json");

        await Assert.ThrowsAsync<InvalidDataException>(() =>
            storage.WriteStateAsync(StateName, Grain, new GrainState<CounterState> { State = Sample() }));

        Assert.Equal("not json", await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task ReadStateAsync_FileWithBom_IsRead()
    {
        var storage = NewStorage();
        var state = new GrainState<CounterState> { State = Sample() };
        await storage.WriteStateAsync(StateName, Grain, state);
        var path = storage.FilePath(StateName, Grain);
        await File.WriteAllBytesAsync(path, [0xEF, 0xBB, 0xBF, .. await File.ReadAllBytesAsync(path)]);

        var read = new GrainState<CounterState>();
        await storage.ReadStateAsync(StateName, Grain, read);

        Assert.Equal(3, read.State!.Count);
    }

    [Fact]
    public async Task WriteStateAsync_LeavesNoTempFile()
    {
        var storage = NewStorage();
        var state = new GrainState<CounterState> { State = Sample() };
        await storage.WriteStateAsync(StateName, Grain, state);
        await storage.WriteStateAsync(StateName, Grain, state);

        var folder = Path.GetDirectoryName(storage.FilePath(StateName, Grain))!;

        Assert.Equal(["sweep1-abc123.json"], Directory.GetFiles(folder).Select(Path.GetFileName));
    }

    [Fact]
    public async Task ReadAndWrite_IgnoreTempFileLeftByCrash()
    {
        var storage = NewStorage();
        var state = new GrainState<CounterState> { State = Sample() };
        await storage.WriteStateAsync(StateName, Grain, state);
        var path = storage.FilePath(StateName, Grain);
        var crashed = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        await File.WriteAllTextAsync(crashed, "{ \"schema_version\": 1, \"sta");

        var read = new GrainState<CounterState>();
        await storage.ReadStateAsync(StateName, Grain, read);
        Assert.Equal(state.ETag, read.ETag);
        read.State!.Count = 7;
        await storage.WriteStateAsync(StateName, Grain, read);

        var again = new GrainState<CounterState>();
        await NewStorage().ReadStateAsync(StateName, Grain, again);
        Assert.Equal(7, again.State!.Count);
        Assert.True(File.Exists(crashed));
    }

    [Fact]
    public async Task DifferentKeysAndStateNames_UseDifferentFiles()
    {
        var storage = NewStorage();
        // GrainId refuses empty keys; the empty case is covered by SafeFileNameTests.
        var keys = new[] { "node-a/cpu:0", "node-a%2Fcpu%3A0", "node-a_cpu_0", "Sweep", "sweep", "%empty", " a ", "..", "../../etc/passwd", "con", new string('k', 400) };
        foreach (var key in keys)
        {
            await storage.WriteStateAsync(StateName, GrainId.Create("trainer", key), new GrainState<CounterState> { State = new CounterState { Label = key } });
        }

        foreach (var key in keys)
        {
            var read = new GrainState<CounterState>();
            await storage.ReadStateAsync(StateName, GrainId.Create("trainer", key), read);
            Assert.Equal(key, read.State!.Label);
        }

        var other = new GrainState<CounterState>();
        await storage.ReadStateAsync("other", GrainId.Create("trainer", "sweep"), other);
        Assert.False(other.RecordExists);
        Assert.All(Directory.GetFiles(_root.Path, "*", SearchOption.AllDirectories),
            f => Assert.StartsWith(Path.Combine(_root.Path, "alora", "trainer") + Path.DirectorySeparatorChar, f, StringComparison.Ordinal));
    }

    [Fact]
    public async Task WriteStateAsync_TransientIOError_IsRetriedThroughStoragePipeline()
    {
        // A file where the state's folder should be makes creating the folder fail with an IOException; the retry
        // hook removes it, so the second attempt succeeds.
        var blocker = Path.GetDirectoryName(NewStorage().FilePath(StateName, Grain))!;
        Directory.CreateDirectory(Path.GetDirectoryName(blocker)!);
        await File.WriteAllTextAsync(blocker, "a file where the folder should be");
        var retries = new CallbackLogger(_ => File.Delete(blocker));
        var storage = NewStorage(AloraResiliencePipelines.CreateStorage(FastRetries, logger: retries));

        await storage.WriteStateAsync(StateName, Grain, new GrainState<CounterState> { State = Sample() });

        Assert.Equal(1, retries.Count);
        Assert.True(File.Exists(storage.FilePath(StateName, Grain)));
    }

    [Fact]
    public async Task WriteStateAsync_PersistentIOError_SurfacesAfterAllAttempts()
    {
        var blocker = Path.GetDirectoryName(NewStorage().FilePath(StateName, Grain))!;
        Directory.CreateDirectory(Path.GetDirectoryName(blocker)!);
        await File.WriteAllTextAsync(blocker, "a file where the folder should be");
        var retries = new CallbackLogger();
        var storage = NewStorage(AloraResiliencePipelines.CreateStorage(FastRetries, logger: retries));

        await Assert.ThrowsAsync<IOException>(() => storage.WriteStateAsync(StateName, Grain, new GrainState<CounterState> { State = Sample() }));

        Assert.Equal(FastRetries.MaxRetryAttempts, retries.Count);
    }

    [Fact]
    public async Task ReadAndWrite_CorruptFile_AreNotRetried()
    {
        var retries = new CallbackLogger();
        var storage = NewStorage(AloraResiliencePipelines.CreateStorage(FastRetries, logger: retries));
        var path = storage.FilePath(StateName, Grain);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, "{");

        await Assert.ThrowsAsync<InvalidDataException>(() => storage.ReadStateAsync(StateName, Grain, new GrainState<CounterState>()));
        await Assert.ThrowsAsync<InvalidDataException>(() => storage.WriteStateAsync(StateName, Grain, new GrainState<CounterState> { State = Sample() }));

        Assert.Equal(0, retries.Count);
    }

    [Fact]
    public async Task WriteStateAsync_ETagConflict_IsNotRetried()
    {
        var retries = new CallbackLogger();
        var storage = NewStorage(AloraResiliencePipelines.CreateStorage(FastRetries, logger: retries));
        await storage.WriteStateAsync(StateName, Grain, new GrainState<CounterState> { State = Sample() });

        await Assert.ThrowsAsync<InconsistentStateException>(() =>
            storage.WriteStateAsync(StateName, Grain, new GrainState<CounterState> { State = Sample(), ETag = "stale" }));

        Assert.Equal(0, retries.Count);
    }

    [Fact]
    public void Constructor_EmptyRoot_ThrowsNamingSetting()
    {
        var ex = Assert.Throws<OptionsValidationException>(() =>
            new FileGrainStorage("alora", new FileGrainStorageOptions(), ResiliencePipeline.Empty, NullLogger<FileGrainStorage>.Instance));

        Assert.Contains("Alora:Storage:RootDirectory", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'alora'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_CreatesRootDirectory()
    {
        var root = Path.Combine(_root.Path, "a", "b");
        var storage = new FileGrainStorage("test", new FileGrainStorageOptions { RootDirectory = root }, ResiliencePipeline.Empty,
            NullLogger<FileGrainStorage>.Instance);

        await storage.StartAsync(CancellationToken.None);

        Assert.True(Directory.Exists(root));
    }
}
