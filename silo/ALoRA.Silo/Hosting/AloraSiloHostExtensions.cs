using System.Net;
using ALoRA.Grains.Checkpoints;
using ALoRA.Grains.Diagnostics;
using ALoRA.Grains.Hosting;
using ALoRA.Grains.Resilience;
using ALoRA.Grains.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace ALoRA.Silo.Hosting;

/// <summary>Composes the ALoRA silo process: options, clustering and storage providers, the grains.</summary>
public static class AloraSiloHostExtensions
{
    /// <summary>Folder under <see cref="SiloHostOptions.DataDirectory"/> holding file-backed grain state.</summary>
    public const string StateFolder = "state";

    /// <summary>Folder under <see cref="SiloHostOptions.DataDirectory"/> holding checkpoints, unless configured elsewhere.</summary>
    public const string CheckpointsFolder = "checkpoints";

    /// <summary>OpenTelemetry <c>service.name</c> of the silo (unless <c>OTEL_SERVICE_NAME</c> says otherwise).</summary>
    public const string ServiceName = "alora-silo";

    /// <summary>
    /// Makes <paramref name="builder"/> host an ALoRA silo configured by <see cref="SiloHostOptions"/> (section
    /// <c>Alora:Silo</c>): clustering (<c>localhost</c>, <c>redis</c>, <c>kubernetes</c>), grain storage (<c>file</c>,
    /// <c>redis</c>) under the name <see cref="AloraStorageNames.State"/>, checkpoints under the data directory (or
    /// <c>Alora:Checkpoints:RootDirectory</c>), fast failure detection, the shutdown timeout, activity propagation, OTLP
    /// export when the <c>OTEL_EXPORTER_OTLP_*ENDPOINT</c> variables ask for it (<see cref="AloraTelemetryExtensions"/>),
    /// the health endpoints (<see cref="SiloHealthEndpoint"/>), and the grains with their own sections (<c>Alora</c>,
    /// <c>Alora:Trainers</c>, <c>Alora:Resilience</c>). Nothing starts here.
    /// </summary>
    /// <exception cref="OptionsValidationException">
    /// The <c>Alora:Silo</c> settings are invalid (every problem listed, each naming its key). The other sections are
    /// validated when the host starts.
    /// </exception>
    public static IHostApplicationBuilder UseAloraSilo(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var options = SiloHostConfiguration.Read(configuration);
        var dataDirectory = Path.GetFullPath(options.DataDirectory);
        var services = builder.Services;

        // The values read above are the ones the providers were chosen with; services see exactly those.
        services.AddOptions<SiloHostOptions>().Configure(o => SiloHostConfiguration.CopyTo(options, o)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SiloHostOptions>, SiloHostOptionsValidator>());
        // Replaces the generic host's own DOTNET_SHUTDOWNTIMEOUTSECONDS: one setting for the drain time.
        services.Configure<HostOptions>(h => h.ShutdownTimeout = options.ShutdownTimeout);

        // Defaults under the data directory first, then whatever the configuration says on top.
        services.AddAloraCheckpointStore(c => c.RootDirectory = Path.Combine(dataDirectory, CheckpointsFolder));
        services.AddOptions<CheckpointStoreOptions>().Bind(configuration.GetSection(CheckpointStoreOptions.Section));
        services.AddOptions<AloraResilienceOptions>().Bind(configuration.GetSection(AloraResilienceOptions.Section));

        builder.AddAloraTelemetry(ServiceName);
        // Before the silo: live while it starts, and still answering (not ready) while it drains.
        services.AddHostedService<SiloHealthEndpoint>();

        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(c =>
            {
                c.ServiceId = options.ServiceId;
                c.ClusterId = options.ClusterId;
            });
            silo.Configure<SiloOptions>(s => s.SiloName = options.SiloName);
            silo.Configure<ClusterMembershipOptions>(m =>
            {
                m.ProbeTimeout = options.ProbeTimeout;
                m.NumMissedProbesLimit = options.NumMissedProbesLimit;
                m.NumVotesForDeathDeclaration = options.NumVotesForDeathDeclaration;
                m.DeathVoteExpirationTimeout = options.DeathVoteExpirationTimeout;
            });
            ConfigureClustering(silo, options);
            ConfigureStorage(silo, options, configuration, dataDirectory);
            silo.AddActivityPropagation();
            silo.AddAlora(configuration);
        });
        return builder;
    }

    private static void ConfigureClustering(ISiloBuilder silo, SiloHostOptions options)
    {
        var advertised = options.AdvertisedAddress is { } address
            ? SiloEndpoints.Resolve(SiloHostOptionsValidator.Key(nameof(options.AdvertisedAddress)), address)
            : null;
        if (SiloClustering.Is(options.Clustering, SiloClustering.Localhost))
        {
            var primary = options.PrimarySiloEndpoint is { } p && !string.IsNullOrWhiteSpace(p)
                ? SiloEndpoints.ResolveEndPoint(SiloHostOptionsValidator.Key(nameof(options.PrimarySiloEndpoint)), p)
                : null;
            if (advertised is null)
            {
                silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, primary, options.ServiceId, options.ClusterId);
            }
            else
            {
                // Development clustering across machines: the primary silo is reachable on its advertised address.
                silo.UseDevelopmentClustering(primary ?? new IPEndPoint(advertised, options.SiloPort));
                silo.ConfigureEndpoints(advertised, options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: true);
            }

            return;
        }

        var redis = RedisConnection.Parse(options.RedisConnectionString!);
        silo.UseRedisClustering(r => r.ConfigurationOptions = redis);
        silo.Configure<EndpointOptions>(e =>
        {
            e.SiloPort = options.SiloPort;
            e.GatewayPort = options.GatewayPort;
            e.SiloListeningEndpoint = new IPEndPoint(IPAddress.Any, options.SiloPort);
            e.GatewayListeningEndpoint = new IPEndPoint(IPAddress.Any, options.GatewayPort);
            if (advertised is not null)
            {
                e.AdvertisedIPAddress = advertised;
            }
        });
        if (SiloClustering.Is(options.Clustering, SiloClustering.Kubernetes))
        {
            // Registered after the settings above: the pod's name, IP and ORLEANS_SERVICE_ID/ORLEANS_CLUSTER_ID win.
            silo.UseKubernetesHosting();
        }
    }

    private static void ConfigureStorage(ISiloBuilder silo, SiloHostOptions options, IConfiguration configuration, string dataDirectory)
    {
        if (SiloClustering.Is(options.Storage, SiloStorage.Redis))
        {
            silo.AddAloraRedisGrainStorage(AloraStorageNames.State, r =>
            {
                r.ConnectionString = options.RedisConnectionString!;
                r.KeyPrefix = $"{options.ServiceId}/state";
            });
            return;
        }

        silo.AddAloraFileGrainStorage(AloraStorageNames.State, o => o
            .Configure(f => f.RootDirectory = Path.Combine(dataDirectory, StateFolder))
            .Bind(configuration.GetSection(FileGrainStorageOptions.Section)));
    }
}
