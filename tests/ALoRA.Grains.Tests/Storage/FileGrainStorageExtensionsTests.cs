using ALoRA.Grains.Checkpoints;
using ALoRA.Grains.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace ALoRA.Grains.Tests.Storage;

public sealed class FileGrainStorageExtensionsTests : IDisposable
{
    private readonly TempDirectory _root = new();

    public void Dispose() => _root.Dispose();

    private sealed class FakeSiloBuilder : ISiloBuilder
    {
        public IServiceCollection Services { get; } = new ServiceCollection().AddLogging();

        public IConfiguration Configuration { get; } = new ConfigurationBuilder().Build();
    }

    [Fact]
    public async Task AddAloraFileGrainStorage_RegistersNamedProviderThatWorks()
    {
        var silo = new FakeSiloBuilder();
        silo.AddAloraFileGrainStorage("alora", o => o.RootDirectory = _root.Path);
        using var provider = silo.Services.BuildServiceProvider();

        var storage = Assert.IsType<FileGrainStorage>(provider.GetRequiredKeyedService<IGrainStorage>("alora"));
        Assert.Equal("alora", storage.Name);
        Assert.Contains(provider.GetServices<ILifecycleParticipant<ISiloLifecycle>>(), p => ReferenceEquals(p, storage));

        var state = new GrainState<CounterState> { State = new CounterState { Count = 1 } };
        await storage.WriteStateAsync("s", GrainId.Create("t", "k"), state);
        Assert.True(File.Exists(Path.Combine(_root.Path, "s", "t", "k.json")));
    }

    [Fact]
    public void AddAloraFileGrainStorageAsDefault_IsTheUnnamedProvider()
    {
        var silo = new FakeSiloBuilder();
        silo.AddAloraFileGrainStorageAsDefault(o => o.RootDirectory = _root.Path);
        using var provider = silo.Services.BuildServiceProvider();

        Assert.IsType<FileGrainStorage>(provider.GetRequiredService<IGrainStorage>());
    }

    [Fact]
    public void AddAloraFileGrainStorage_MissingRoot_FailsNamingSetting()
    {
        var silo = new FakeSiloBuilder();
        silo.AddAloraFileGrainStorage("bad", o => o.RootDirectory = " ");
        using var provider = silo.Services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredKeyedService<IGrainStorage>("bad"));

        Assert.Contains("Alora:Storage:RootDirectory (grain storage 'bad')", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddAloraCheckpointStore_RegistersValidatedStore()
    {
        var services = new ServiceCollection();
        services.AddAloraCheckpointStore(o => o.RootDirectory = _root.Path);
        using var provider = services.BuildServiceProvider();

        var store = Assert.IsType<DirectoryCheckpointStore>(provider.GetRequiredService<ICheckpointStore>());
        Assert.Equal(_root.Path, store.RootDirectory);

        var bad = new ServiceCollection().AddAloraCheckpointStore();
        using var badProvider = bad.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => badProvider.GetRequiredService<IOptions<CheckpointStoreOptions>>().Value);
        Assert.Contains("Alora:Checkpoints:RootDirectory", ex.Message, StringComparison.Ordinal);
    }
}
