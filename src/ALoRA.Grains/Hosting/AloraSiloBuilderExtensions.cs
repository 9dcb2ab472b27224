using ALoRA.Grains.Checkpoints;
using ALoRA.Grains.Diagnostics;
using ALoRA.Grains.Resilience;
using ALoRA.Grains.Trainers;
using ALoRA.Grains.Training;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace ALoRA.Grains.Hosting;

/// <summary>Adds the ALoRA grains and their services to a silo.</summary>
public static class AloraSiloBuilderExtensions
{
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
        services.TryAddSingleton<ITrainingEngine>(sp =>
        {
            var t = sp.GetRequiredService<IOptions<AloraTrainerOptions>>().Value;
            var devices = Math.Max(1, t.Devices.Count > 0 ? t.Devices.Count : t.CpuTrainers);
            var threads = t.TorchThreads > 0 ? t.TorchThreads : Math.Max(1, Environment.ProcessorCount / devices);
            return new AloraTrainingEngine(new AloraTrainingEngineOptions { Threads = threads }, sp.GetService<ILogger<AloraTrainingEngine>>());
        });
        services.AddAloraCheckpointStore();
        services.AddAloraResilience();
        return silo;
    }
}
