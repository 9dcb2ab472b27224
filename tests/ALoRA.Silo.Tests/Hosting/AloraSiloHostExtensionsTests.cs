using System.Net;
using ALoRA.Grains.Checkpoints;
using ALoRA.Grains.Hosting;
using ALoRA.Grains.Storage;
using ALoRA.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Orleans.Configuration;
using Orleans.Storage;

namespace ALoRA.Silo.Tests.Hosting;

/// <summary>Composes the silo host from in-memory settings and inspects its options; no silo starts.</summary>
public sealed class AloraSiloHostExtensionsTests
{
    [Fact]
    public void UseAloraSilo_Defaults_LocalhostClusteringFileStorageUnderDataDirectory()
    {
        var data = Path.Combine(Path.GetTempPath(), "alora-silo-defaults");
        using var host = Build(new() { ["Alora:Silo:DataDirectory"] = data, ["Alora:Silo:SiloName"] = "node-a" });

        var silo = host.Services.GetRequiredService<IOptions<SiloHostOptions>>().Value;
        Assert.Equal("node-a", silo.SiloName);
        Assert.Equal("node-a", host.Services.GetRequiredService<IOptions<SiloOptions>>().Value.SiloName);
        var cluster = host.Services.GetRequiredService<IOptions<ClusterOptions>>().Value;
        Assert.Equal(("alora", "alora-dev"), (cluster.ServiceId, cluster.ClusterId));
        var endpoints = host.Services.GetRequiredService<IOptions<EndpointOptions>>().Value;
        Assert.Equal((IPAddress.Loopback, 11111, 30000), (endpoints.AdvertisedIPAddress, endpoints.SiloPort, endpoints.GatewayPort));
        var dev = host.Services.GetRequiredService<IOptions<DevelopmentClusterMembershipOptions>>().Value;
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 11111), dev.PrimarySiloEndpoint);
        Assert.Equal(Path.Combine(data, "state"), host.Services.GetRequiredService<IOptionsMonitor<FileGrainStorageOptions>>().Get(AloraStorageNames.State).RootDirectory);
        Assert.Equal(Path.Combine(data, "checkpoints"), host.Services.GetRequiredService<IOptions<CheckpointStoreOptions>>().Value.RootDirectory);
        Assert.IsType<FileGrainStorage>(host.Services.GetRequiredKeyedService<IGrainStorage>(AloraStorageNames.State));
    }

    [Fact]
    public void UseAloraSilo_MapsTimingsOntoOrleansAndHost()
    {
        using var host = Build(new()
        {
            ["Alora:Silo:ProbeTimeout"] = "00:00:01.500",
            ["Alora:Silo:NumMissedProbesLimit"] = "4",
            ["Alora:Silo:NumVotesForDeathDeclaration"] = "1",
            ["Alora:Silo:DeathVoteExpirationTimeout"] = "00:00:30",
            ["Alora:Silo:ShutdownTimeout"] = "00:05:00",
        });

        var membership = host.Services.GetRequiredService<IOptions<ClusterMembershipOptions>>().Value;
        Assert.Equal(TimeSpan.FromMilliseconds(1500), membership.ProbeTimeout);
        Assert.Equal(4, membership.NumMissedProbesLimit);
        Assert.Equal(1, membership.NumVotesForDeathDeclaration);
        Assert.Equal(TimeSpan.FromSeconds(30), membership.DeathVoteExpirationTimeout);
        Assert.Equal(TimeSpan.FromMinutes(5), host.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
    }

    [Fact]
    public void UseAloraSilo_DefaultTimings_NoticeADeadSiloWithinSeconds()
    {
        using var host = Build([]);

        var membership = host.Services.GetRequiredService<IOptions<ClusterMembershipOptions>>().Value;
        Assert.True(membership.ProbeTimeout * membership.NumMissedProbesLimit <= TimeSpan.FromSeconds(5));
        Assert.Equal(TimeSpan.FromSeconds(60), host.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
    }

    [Theory]
    [InlineData(null, null, 60)]
    [InlineData(null, "45", 60)]
    [InlineData("00:02:00", "45", 120)]
    public void UseAloraSilo_ShutdownTimeout_ReplacesTheHostSetting(string? alora, string? dotnet, int expectedSeconds)
    {
        using var host = Build(new() { ["Alora:Silo:ShutdownTimeout"] = alora, ["shutdownTimeoutSeconds"] = dotnet });

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), host.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
    }

    [Fact]
    public void UseAloraSilo_ExplicitFolders_WinOverDataDirectory()
    {
        using var host = Build(new()
        {
            ["Alora:Silo:DataDirectory"] = "/tmp/alora-data-x",
            ["Alora:Checkpoints:RootDirectory"] = "/shared/checkpoints",
            ["Alora:Storage:RootDirectory"] = "/shared/state",
        });

        Assert.Equal("/shared/checkpoints", host.Services.GetRequiredService<IOptions<CheckpointStoreOptions>>().Value.RootDirectory);
        Assert.Equal("/shared/state", host.Services.GetRequiredService<IOptionsMonitor<FileGrainStorageOptions>>().Get(AloraStorageNames.State).RootDirectory);
    }

    [Fact]
    public void UseAloraSilo_SecondLocalSilo_JoinsThePrimary()
    {
        using var host = Build(new()
        {
            ["Alora:Silo:SiloPort"] = "11112",
            ["Alora:Silo:GatewayPort"] = "30001",
            ["Alora:Silo:PrimarySiloEndpoint"] = "localhost:11111",
        });

        var dev = host.Services.GetRequiredService<IOptions<DevelopmentClusterMembershipOptions>>().Value;
        Assert.Equal(11111, dev.PrimarySiloEndpoint!.Port);
        Assert.True(IPAddress.IsLoopback(dev.PrimarySiloEndpoint.Address));
        var endpoints = host.Services.GetRequiredService<IOptions<EndpointOptions>>().Value;
        Assert.Equal((11112, 30001), (endpoints.SiloPort, endpoints.GatewayPort));
    }

    [Fact]
    public void UseAloraSilo_AdvertisedAddressWithLocalhostClustering_ListensOnAllInterfaces()
    {
        using var host = Build(new() { ["Alora:Silo:AdvertisedAddress"] = "10.1.2.3" });

        var endpoints = host.Services.GetRequiredService<IOptions<EndpointOptions>>().Value;
        Assert.Equal(IPAddress.Parse("10.1.2.3"), endpoints.AdvertisedIPAddress);
        Assert.Equal(IPAddress.Any, endpoints.SiloListeningEndpoint!.Address);
        var dev = host.Services.GetRequiredService<IOptions<DevelopmentClusterMembershipOptions>>().Value;
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.1.2.3"), 11111), dev.PrimarySiloEndpoint);
    }

    [Fact]
    public void UseAloraSilo_Redis_UsesRedisClusteringAndStorage()
    {
        using var host = Build(new()
        {
            ["Alora:Silo:Clustering"] = "redis",
            ["Alora:Silo:Storage"] = "redis",
            ["Alora:Silo:RedisConnectionString"] = "redis-host:6380,abortConnect=false",
            ["Alora:Silo:AdvertisedAddress"] = "10.0.0.7",
        });

        var clustering = host.Services.GetRequiredService<IOptions<Orleans.Clustering.Redis.RedisClusteringOptions>>().Value;
        var clusteringEndpoint = Assert.IsType<DnsEndPoint>(Assert.Single(clustering.ConfigurationOptions!.EndPoints));
        Assert.Equal(("redis-host", 6380), (clusteringEndpoint.Host, clusteringEndpoint.Port));
        var storage = host.Services.GetRequiredService<IOptionsMonitor<RedisGrainStorageOptions>>().Get(AloraStorageNames.State);
        Assert.Equal("redis-host:6380,abortConnect=false", storage.ConnectionString);
        Assert.Equal("alora/state", storage.KeyPrefix);
        Assert.IsType<RedisGrainStorage>(host.Services.GetRequiredKeyedService<Orleans.Storage.IGrainStorage>(AloraStorageNames.State));
        var endpoints = host.Services.GetRequiredService<IOptions<EndpointOptions>>().Value;
        Assert.Equal(IPAddress.Parse("10.0.0.7"), endpoints.AdvertisedIPAddress);
        Assert.Equal(new IPEndPoint(IPAddress.Any, 30000), endpoints.GatewayListeningEndpoint);
        Assert.DoesNotContain(host.Services.GetServices<IConfigureOptions<FileGrainStorageOptions>>(), _ => true);
    }

    [Fact]
    public void UseAloraSilo_Kubernetes_AddsKubernetesHosting()
    {
        var builder = Builder(new()
        {
            ["Alora:Silo:Clustering"] = "kubernetes",
            ["Alora:Silo:RedisConnectionString"] = "redis:6379",
        });

        builder.UseAloraSilo();

        Assert.Contains(builder.Services, d => (d.ImplementationType ?? d.ServiceType).Namespace == "Orleans.Hosting.Kubernetes");
        using var host = builder.Build();
        Assert.NotNull(host.Services.GetRequiredService<IOptions<Orleans.Clustering.Redis.RedisClusteringOptions>>().Value.ConfigurationOptions);
    }

    [Fact]
    public void UseAloraSilo_AddsTheHealthEndpoint_AndNoTelemetryExportWithoutAnEndpoint()
    {
        using var host = Build(new() { ["Alora:Silo:HealthPort"] = "18080" });

        Assert.Equal(18080, host.Services.GetRequiredService<IOptions<SiloHostOptions>>().Value.HealthPort);
        Assert.Contains(host.Services.GetServices<IHostedService>(), s => s is SiloHealthEndpoint);
        Assert.Null(host.Services.GetService<TracerProvider>());
        Assert.Null(host.Services.GetService<MeterProvider>());
    }

    [Fact]
    public void UseAloraSilo_OtlpEndpoint_ExportsTracesAndMetrics()
    {
        using var host = Build(new() { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:1" });

        Assert.NotNull(host.Services.GetService<TracerProvider>());
        Assert.NotNull(host.Services.GetService<MeterProvider>());
    }

    [Fact]
    public void UseAloraSilo_InvalidSettings_ThrowsBeforeComposing()
    {
        var builder = Builder(new() { ["Alora:Silo:SiloPort"] = "0", ["Alora:Silo:Clustering"] = "redis" });

        var ex = Assert.Throws<OptionsValidationException>(() => builder.UseAloraSilo());

        Assert.Contains(ex.Failures, f => f.StartsWith("Alora:Silo:SiloPort must be between 1 and 65535", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.StartsWith("Alora:Silo:RedisConnectionString is required", StringComparison.Ordinal));
        Assert.DoesNotContain(builder.Services, d => d.ServiceType == typeof(IValidateOptions<SiloHostOptions>));
    }

    [Fact]
    public void ValidateOptions_InvalidTrainerSettings_ThrowsNamingTheKey()
    {
        var builder = Builder(new() { ["Alora:Trainers:Devices:0"] = "gpu0" });
        builder.UseAloraSilo();
        using var host = builder.Build();

        var ex = Assert.ThrowsAny<Exception>(() => host.ValidateOptions());

        var messages = SiloStartupFailure.Describe(ex);
        Assert.NotNull(messages);
        Assert.Contains(messages, m => m.StartsWith("Alora:Trainers:Devices:0 = 'gpu0'", StringComparison.Ordinal));
    }

    private static HostApplicationBuilder Builder(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        return builder;
    }

    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Builder(settings);
        builder.UseAloraSilo();
        var host = builder.Build();
        host.ValidateOptions();
        return host;
    }
}
