using ALoRA.Grains.Resilience;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Providers;
using Orleans.Runtime.Hosting;
using Polly.Registry;

namespace ALoRA.Grains.Storage;

/// <summary>Registers <see cref="FileGrainStorage"/> as an Orleans grain storage provider.</summary>
public static class FileGrainStorageExtensions
{
    /// <summary>Adds a file grain storage named <paramref name="name"/> (the <c>storageName</c> grains ask for).</summary>
    /// <param name="builder">The silo.</param>
    /// <param name="name">Name of the provider.</param>
    /// <param name="configure">Sets <see cref="FileGrainStorageOptions.RootDirectory"/>.</param>
    public static ISiloBuilder AddAloraFileGrainStorage(this ISiloBuilder builder, string name, Action<FileGrainStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return builder.AddAloraFileGrainStorage(name, ob => ob.Configure(configure));
    }

    /// <summary>Adds a file grain storage named <paramref name="name"/>, configured through an options builder (e.g. <c>Bind</c>).</summary>
    /// <param name="builder">The silo.</param>
    /// <param name="name">Name of the provider.</param>
    /// <param name="configureOptions">Configures the named <see cref="FileGrainStorageOptions"/>.</param>
    public static ISiloBuilder AddAloraFileGrainStorage(this ISiloBuilder builder, string name, Action<OptionsBuilder<FileGrainStorageOptions>>? configureOptions = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddAloraFileGrainStorage(name, configureOptions);
        return builder;
    }

    /// <summary>Adds a file grain storage as the default provider (grains that name no storage).</summary>
    /// <param name="builder">The silo.</param>
    /// <param name="configure">Sets <see cref="FileGrainStorageOptions.RootDirectory"/>.</param>
    public static ISiloBuilder AddAloraFileGrainStorageAsDefault(this ISiloBuilder builder, Action<FileGrainStorageOptions> configure) =>
        builder.AddAloraFileGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, configure);

    /// <summary>Adds a file grain storage as the default provider, configured through an options builder.</summary>
    /// <param name="builder">The silo.</param>
    /// <param name="configureOptions">Configures the <see cref="FileGrainStorageOptions"/>.</param>
    public static ISiloBuilder AddAloraFileGrainStorageAsDefault(this ISiloBuilder builder, Action<OptionsBuilder<FileGrainStorageOptions>>? configureOptions = null) =>
        builder.AddAloraFileGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, configureOptions);

    /// <summary>
    /// Registers a file grain storage named <paramref name="name"/>: the named options (validated at start, messages
    /// naming the setting), the <see cref="AloraResilience.Storage"/> pipeline and the keyed <c>IGrainStorage</c>,
    /// which joins the silo lifecycle to create its root folder.
    /// </summary>
    /// <param name="services">The silo's services.</param>
    /// <param name="name">Name of the provider.</param>
    /// <param name="configureOptions">Configures the named <see cref="FileGrainStorageOptions"/>.</param>
    public static IServiceCollection AddAloraFileGrainStorage(this IServiceCollection services, string name, Action<OptionsBuilder<FileGrainStorageOptions>>? configureOptions = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var options = services.AddOptions<FileGrainStorageOptions>(name);
        configureOptions?.Invoke(options);
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FileGrainStorageOptions>, FileGrainStorageOptionsValidator>());
        services.ConfigureNamedOptionForLogging<FileGrainStorageOptions>(name);
        services.AddAloraResilience();
        services.AddGrainStorage(name, static (sp, key) => new FileGrainStorage(
            key,
            sp.GetRequiredService<IOptionsMonitor<FileGrainStorageOptions>>().Get(key),
            sp.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline(AloraResilience.Storage),
            sp.GetRequiredService<ILogger<FileGrainStorage>>(),
            sp.GetService<TimeProvider>()));
        return services;
    }
}
