using ALoRA.Abstractions.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ALoRA.Telemetry;

/// <summary>OpenTelemetry export of ALoRA's and Orleans' spans and metrics over OTLP, for the silo and the CLI.</summary>
public static class AloraTelemetryExtensions
{
    /// <summary>
    /// Exports over OTLP what the standard <c>OTEL_*</c> environment variables ask for (see
    /// <see cref="AloraTelemetryExport"/>; endpoint, protocol, headers, sampler and resource attributes are the SDK's own
    /// variables): spans of every ALoRA source (<see cref="AloraTelemetry.AllSources"/>) and of Orleans' application
    /// calls and grain lifecycle (not <see cref="AloraTelemetry.OrleansRuntimeSource"/>, which is noisy), and the
    /// <see cref="AloraTelemetry.MeterName"/> and <see cref="AloraTelemetry.OrleansMeter"/> meters. With no endpoint set
    /// nothing is registered, so nothing listens and nothing is exported. Orleans only propagates trace context with
    /// <c>AddActivityPropagation()</c> on the silo and on the client. Spans are sampled by <see cref="AloraTraceSampler"/>
    /// (traces start only at ALoRA's own spans; no spans of progress reports).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">Configuration holding the environment variables.</param>
    /// <param name="serviceName">The <c>service.name</c> resource attribute unless <c>OTEL_SERVICE_NAME</c> is set (e.g. <c>alora-silo</c>).</param>
    /// <returns>What is exported.</returns>
    public static AloraTelemetryExport AddAloraTelemetry(this IServiceCollection services, IConfiguration configuration, string serviceName)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);
        var export = AloraTelemetryExport.From(configuration);
        if (!export.Any)
        {
            return export;
        }

        var otel = services.AddOpenTelemetry();
        if (string.IsNullOrWhiteSpace(configuration[AloraTelemetryExport.ServiceNameVariable]))
        {
            // A service.instance.id given in OTEL_RESOURCE_ATTRIBUTES stays; otherwise each process gets a random one.
            var instance = AloraTelemetryExport.ResourceAttribute(configuration, "service.instance.id");
            otel.ConfigureResource(r => r.AddService(serviceName, serviceInstanceId: instance, autoGenerateServiceInstanceId: instance is null));
        }

        if (export.Traces)
        {
            otel.WithTracing(t => t.AddAloraTracing().AddOtlpExporter());
        }

        if (export.Metrics)
        {
            otel.WithMetrics(m => m
                .AddMeter(AloraTelemetry.MeterName, AloraTelemetry.OrleansMeter)
                .AddOtlpExporter());
        }

        return export;
    }

    /// <summary>
    /// What ALoRA traces, whatever the exporter: the ALoRA sources (<see cref="AloraTelemetry.AllSources"/>) and Orleans'
    /// application calls and grain lifecycle (not <see cref="AloraTelemetry.OrleansRuntimeSource"/>, which is noisy),
    /// sampled by <see cref="AloraTraceSampler"/>.
    /// </summary>
    public static TracerProviderBuilder AddAloraTracing(this TracerProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder
            .AddSource(AloraTelemetry.AllSources, AloraTelemetry.OrleansApplicationSource, AloraTelemetry.OrleansLifecycleSource)
            .SetSampler(new AloraTraceSampler());
    }

    /// <summary><see cref="AddAloraTelemetry(IServiceCollection, IConfiguration, string)"/> with the builder's configuration.</summary>
    public static AloraTelemetryExport AddAloraTelemetry(this IHostApplicationBuilder builder, string serviceName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Services.AddAloraTelemetry(builder.Configuration, serviceName);
    }
}
