using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Polly;

namespace ALoRA.Grains.Resilience;

/// <summary>Registers the ALoRA resilience pipelines.</summary>
public static class AloraResilienceExtensions
{
    /// <summary>
    /// Registers the pipelines <see cref="AloraResilience.Storage"/>, <see cref="AloraResilience.GrainCalls"/> and
    /// <see cref="AloraResilience.ClientConnect"/> with Polly's registry (resolve them with
    /// <c>ResiliencePipelineProvider&lt;string&gt;.GetPipeline(key)</c> or as keyed <see cref="ResiliencePipeline"/>
    /// services), built once on first use from <see cref="AloraResilienceOptions"/> (validated at start; a
    /// <see cref="TimeProvider"/> service, when registered, drives delays and timeouts). Retries are logged by Polly's
    /// telemetry. Calling it again does nothing.
    /// </summary>
    /// <param name="services">The services.</param>
    public static IServiceCollection AddAloraResilience(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(Marker)))
        {
            return services;
        }

        services.AddSingleton<Marker>();
        services.AddOptions<AloraResilienceOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AloraResilienceOptions>, AloraResilienceOptionsValidator>());
        foreach (var key in AloraResilience.All)
        {
            services.AddResiliencePipeline(key, static (builder, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<IOptions<AloraResilienceOptions>>().Value;
                if (context.ServiceProvider.GetService<TimeProvider>() is { } time)
                {
                    builder.TimeProvider = time;
                }

                AloraResiliencePipelines.Configure(builder, context.PipelineKey, options.For(context.PipelineKey), logger: null);
            });
        }

        return services;
    }

    /// <summary>Registers the pipelines (see <see cref="AddAloraResilience(IServiceCollection)"/>) and configures their settings.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Changes the settings.</param>
    public static IServiceCollection AddAloraResilience(this IServiceCollection services, Action<AloraResilienceOptions> configure)
    {
        services.AddAloraResilience();
        services.Configure(configure);
        return services;
    }

    private sealed class Marker;
}
