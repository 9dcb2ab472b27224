using System.Net;
using ALoRA.Grains.Hosting;
using ALoRA.Grains.Security;
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
    /// <summary>OpenTelemetry <c>service.name</c> of the silo (unless <c>OTEL_SERVICE_NAME</c> says otherwise).</summary>
    public const string ServiceName = "alora-silo";

    /// <summary>
    /// Makes <paramref name="builder"/> host an ALoRA silo configured by <see cref="SiloHostOptions"/> (section
    /// <c>Alora:Silo</c>): clustering (<c>localhost</c>, <c>redis</c>, <c>kubernetes</c>), grain storage (<c>file</c>,
    /// <c>redis</c>) under the name <see cref="AloraStorageNames.State"/>, checkpoints under the data directory (or
    /// <c>Alora:Checkpoints:RootDirectory</c>), fast failure detection, the shutdown timeout, activity propagation, OTLP
    /// export when the <c>OTEL_EXPORTER_OTLP_*ENDPOINT</c> variables ask for it (<see cref="ALoRA.Telemetry.AloraTelemetryExtensions"/>),
    /// the health endpoints (<see cref="SiloHealthEndpoint"/>), and the grains with their own sections (<c>Alora</c>,
    /// <c>Alora:Trainers</c>, <c>Alora:Resilience</c>). Everything but the clustering, the endpoints and the health endpoint
    /// is composed by <see cref="AloraSiloBuilderExtensions.UseAloraSilo"/>, as in every other silo. Nothing starts here.
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

        // Its ports must be free at start: Orleans would share a taken one.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SiloHostOptions>, SiloPortCheck>());

        // One cluster per state and checkpoint folder: a second one (a forgotten PrimarySiloEndpoint) is refused.
        services.TryAddSingleton<SiloFolderLocks>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SiloHostOptions>, SiloFolderLockCheck>());

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
            SiloTls.Configure(silo, configuration.GetSection(AloraSecurityOptions.Section).Get<AloraSecurityOptions>()?.Tls ?? new AloraTlsOptions());
            silo.UseAloraSilo(new AloraSiloSetup
            {
                DataDirectory = dataDirectory,
                Storage = SiloClustering.Is(options.Storage, SiloStorage.Redis) ? AloraStateStorage.Redis : AloraStateStorage.File,
                RedisConnectionString = options.RedisConnectionString,
                RedisKeyPrefix = $"{options.ServiceId}/state",
                Configuration = configuration,
                TelemetryServiceName = ServiceName,
                AllowedRoots = options.AllowedRoots,
            });
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
}
