using ALoRA.Grains.Checkpoints;
using ALoRA.Grains.Diagnostics;
using ALoRA.Grains.Resilience;
using ALoRA.Grains.Security;
using ALoRA.Grains.Simulation;
using ALoRA.Grains.Storage;
using ALoRA.Grains.Trainers;
using ALoRA.Grains.Training;
using ALoRA.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ALoRA.Grains.Hosting;

/// <summary>Adds the ALoRA grains and their services to a silo.</summary>
public static class AloraSiloBuilderExtensions
{
    /// <summary>
    /// Composes an ALoRA silo on <paramref name="silo"/>, the one place every silo is composed (the silo program, the CLI's
    /// <c>--local</c> silo, the test clusters, the benchmarks): the grains and their services (<see cref="AddAlora"/>:
    /// options validated at start, trainer placement, device threads, the training engine, instruments, resilience),
    /// grain storage under <see cref="AloraStorageNames.State"/> (<see cref="AloraSiloSetup.Storage"/>), the checkpoint
    /// store (under the data directory unless <c>Alora:Checkpoints:RootDirectory</c> says otherwise), trace context
    /// propagation and the OTLP export the <c>OTEL_*</c> variables ask for. The caller picks clustering and endpoints.
    /// </summary>
    public static ISiloBuilder UseAloraSilo(this ISiloBuilder silo, AloraSiloSetup setup)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(setup);
        var services = silo.Services;
        var configuration = setup.Configuration;
        if (setup.Trainers is not null)
        {
            services.Configure(setup.Trainers);
        }

        if (setup.Cluster is not null)
        {
            services.Configure(setup.Cluster);
        }

        if (setup.AllowedRoots is { } roots)
        {
            services.Configure<AllowedRootsOptions>(o => o.Roots = [.. roots.Select(Path.GetFullPath)]);
        }

        // Defaults under the data directory first, then whatever the configuration says on top.
        services.AddAloraCheckpointStore(c => c.RootDirectory = setup.CheckpointDirectory);
        if (configuration is not null)
        {
            services.AddOptions<CheckpointStoreOptions>().Bind(configuration.GetSection(CheckpointStoreOptions.Section));
            services.AddOptions<AloraResilienceOptions>().Bind(configuration.GetSection(AloraResilienceOptions.Section));
        }

        if (setup.Storage == AloraStateStorage.Redis)
        {
            var connection = setup.RedisConnectionString ?? throw new ArgumentException("Redis grain storage needs a connection string", nameof(setup));
            silo.AddAloraRedisGrainStorage(AloraStorageNames.State, r =>
            {
                r.ConnectionString = connection;
                r.KeyPrefix = setup.RedisKeyPrefix;
            });
        }
        else
        {
            silo.AddAloraFileGrainStorage(AloraStorageNames.State, o =>
            {
                o.Configure(f => f.RootDirectory = setup.StateDirectory);
                if (configuration is not null)
                {
                    o.Bind(configuration.GetSection(FileGrainStorageOptions.Section));
                }
            });
        }

        if (setup.ActivityPropagation)
        {
            silo.AddActivityPropagation();
        }

        if (configuration is not null && setup.TelemetryServiceName is { } serviceName)
        {
            services.AddAloraTelemetry(configuration, serviceName);
        }

        return silo.AddAlora(configuration);
    }

    /// <summary>
    /// Registers the grains' services: options (bound from <paramref name="configuration"/>'s <c>Alora</c> and
    /// <c>Alora:Trainers</c> sections when given, validated at start), trainer placement, the device threads, the
    /// silo's trainer host, the instruments (<see cref="AloraInstruments"/>), the training engine (TorchSharp; a registration made before this call wins, e.g. a fake in
    /// tests), the checkpoint store and the resilience pipelines. Grain storage is configured separately (see
    /// <see cref="AloraStorageNames"/>).
    /// </summary>
    public static ISiloBuilder AddAlora(this ISiloBuilder silo, IConfiguration? configuration = null)
    {
        var services = silo.Services;
        var cluster = services.AddOptions<AloraClusterOptions>();
        var trainers = services.AddOptions<AloraTrainerOptions>();
        if (configuration is not null)
        {
            cluster.Bind(configuration.GetSection(AloraClusterOptions.Section));
            trainers.Bind(configuration.GetSection(AloraTrainerOptions.Section));
        }

        cluster.ValidateOnStart();
        trainers.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AloraClusterOptions>, AloraClusterOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AloraTrainerOptions>, AloraTrainerOptionsValidator>());

        services.AddMetrics();
        services.TryAddSingleton<AloraInstruments>();
        silo.AddPlacementDirector<TrainerPlacement, TrainerPlacementDirector>();
        services.TryAddSingleton<DeviceWorkerPool>();
        services.TryAddSingleton<TrainerJobs>();
        services.TryAddSingleton<DeviceHost>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<DeviceHost>());
        AddSimulation(services, configuration);
        services.TryAddSingleton<ITrainingEngine>(sp =>
        {
            if (sp.GetRequiredService<IOptions<SimulationOptions>>().Value is { Enabled: true } simulation)
            {
                return new SimulatedTrainingEngine(simulation, sp.GetService<ILogger<SimulatedTrainingEngine>>());
            }

            var t = sp.GetRequiredService<IOptions<AloraTrainerOptions>>().Value;
            var devices = Math.Max(1, t.Devices.Count > 0 ? t.Devices.Count : t.CpuTrainers);
            // Each slot trains on a thread of its own: the cores are divided among all slots of all devices.
            var threads = t.TorchThreads > 0 ? t.TorchThreads : Math.Max(1, Environment.ProcessorCount / (devices * Math.Max(1, t.Slots)));
            return new AloraTrainingEngine(new AloraTrainingEngineOptions { Threads = threads }, sp.GetService<ILogger<AloraTrainingEngine>>());
        });
        services.AddAloraCheckpointStore();
        services.AddAloraResilience();
        AddSecurity(silo, configuration);
        return silo;
    }

    /// <summary>The simulated engine's settings (<c>Alora:Simulation</c>, validated at start); with <c>Enabled</c> the engine above is the simulated one (docs/operations.md, "The simulated engine").</summary>
    private static void AddSimulation(IServiceCollection services, IConfiguration? configuration)
    {
        var simulation = services.AddOptions<SimulationOptions>();
        if (configuration is not null)
        {
            simulation.Bind(configuration.GetSection(SimulationOptions.Section));
        }

        simulation.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SimulationOptions>, SimulationOptionsValidator>());
    }

    /// <summary>
    /// The call guard (client token, silo-only methods) and the token stamp on the silo's own calls, with their settings
    /// (<c>Alora:Security</c>, validated at start); see docs/security.md.
    /// </summary>
    private static void AddSecurity(ISiloBuilder silo, IConfiguration? configuration)
    {
        var services = silo.Services;
        var security = services.AddOptions<AloraSecurityOptions>();
        if (configuration is not null)
        {
            security.Bind(configuration.GetSection(AloraSecurityOptions.Section));
        }

        security.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AloraSecurityOptions>, AloraSecurityOptionsValidator>());
        services.TryAddSingleton<CallerIdentity>();
        silo.AddIncomingGrainCallFilter<AloraCallGuard>();
        silo.AddOutgoingGrainCallFilter<ClientTokenStamp>();
    }
}
