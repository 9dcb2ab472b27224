using ALoRA.Grains.Resilience;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Polly.Registry;

namespace ALoRA.Grains.Checkpoints;

/// <summary>Registers the checkpoint store.</summary>
public static class CheckpointStoreExtensions
{
    /// <summary>
    /// Registers <see cref="CheckpointStoreOptions"/> (validated at start, messages naming the setting), the resilience
    /// pipelines and, unless one is registered already, a <see cref="DirectoryCheckpointStore"/> (retrying through
    /// <see cref="AloraResilience.Storage"/>) as the <see cref="ICheckpointStore"/>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets <see cref="CheckpointStoreOptions.RootDirectory"/>; null to configure elsewhere (e.g. <c>Bind</c>).</param>
    public static IServiceCollection AddAloraCheckpointStore(this IServiceCollection services, Action<CheckpointStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<CheckpointStoreOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CheckpointStoreOptions>, CheckpointStoreOptionsValidator>());
        services.AddAloraResilience();
        services.TryAddSingleton<ICheckpointStore>(sp => new DirectoryCheckpointStore(
            sp.GetRequiredService<IOptions<CheckpointStoreOptions>>().Value.RootDirectory,
            sp.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline(AloraResilience.Storage)));
        return services;
    }
}
