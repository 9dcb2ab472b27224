using ALoRA.Grains.Resilience;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime.Hosting;
using Polly.Registry;

namespace ALoRA.Grains.Storage;

/// <summary>Registers <see cref="RedisGrainStorage"/> as an Orleans grain storage provider.</summary>
public static class RedisGrainStorageExtensions
{
    /// <summary>Adds a Redis grain storage named <paramref name="name"/> (the <c>storageName</c> grains ask for).</summary>
    /// <param name="builder">The silo.</param>
    /// <param name="name">Name of the provider.</param>
    /// <param name="configure">Sets the connection string and key prefix.</param>
    public static ISiloBuilder AddAloraRedisGrainStorage(this ISiloBuilder builder, string name, Action<RedisGrainStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddAloraRedisGrainStorage(name, configure);
        return builder;
    }

    /// <summary>
    /// Registers a Redis grain storage named <paramref name="name"/>: the named options (validated at start, messages
    /// naming the setting), the <see cref="AloraResilience.Storage"/> pipeline and the keyed <c>IGrainStorage</c>, which
    /// joins the silo lifecycle to connect.
    /// </summary>
    /// <param name="services">The silo's services.</param>
    /// <param name="name">Name of the provider.</param>
    /// <param name="configure">Sets the connection string and key prefix.</param>
    public static IServiceCollection AddAloraRedisGrainStorage(this IServiceCollection services, string name, Action<RedisGrainStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<RedisGrainStorageOptions>(name).Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisGrainStorageOptions>, RedisGrainStorageOptionsValidator>());
        services.AddAloraResilience();
        services.AddGrainStorage(name, static (sp, key) => new RedisGrainStorage(
            key,
            sp.GetRequiredService<IOptionsMonitor<RedisGrainStorageOptions>>().Get(key),
            sp.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline(AloraResilience.Storage),
            sp.GetRequiredService<ILogger<RedisGrainStorage>>(),
            sp.GetService<TimeProvider>()));
        return services;
    }
}
