using ALoRA.Abstractions.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ALoRA.Cli.Cluster;

/// <summary>
/// OTLP export of the client's spans (<see cref="AloraTelemetry.Spans.Submit"/>, the root of every trial's trace, and
/// Orleans' client calls) and meters, switched on by the same standard <c>OTEL_*</c> variables as the silo
/// (README, "Telemetry"): traces when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> or <c>..._TRACES_ENDPOINT</c> is set and
/// <c>OTEL_TRACES_EXPORTER</c> is not <c>none</c>, metrics likewise, nothing when <c>OTEL_SDK_DISABLED=true</c>. The
/// service is <c>alora-cli</c> unless <c>OTEL_SERVICE_NAME</c> says otherwise. The silo's copy of these rules lives with
/// the grains; the thin client keeps its own so that it carries no grain assembly.
/// </summary>
internal static class ClientTelemetry
{
    /// <summary>The <c>service.name</c> of the CLI's telemetry.</summary>
    public const string ServiceName = "alora-cli";

    /// <summary>Registers the export the variables in <paramref name="configuration"/> ask for (nothing when none is set).</summary>
    public static void AddTo(IServiceCollection services, IConfiguration configuration)
    {
        if (bool.TryParse(configuration["OTEL_SDK_DISABLED"], out var disabled) && disabled)
        {
            return;
        }

        var all = IsSet(configuration, "OTEL_EXPORTER_OTLP_ENDPOINT");
        var traces = (all || IsSet(configuration, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) && !IsNone(configuration, "OTEL_TRACES_EXPORTER");
        var metrics = (all || IsSet(configuration, "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")) && !IsNone(configuration, "OTEL_METRICS_EXPORTER");
        if (!traces && !metrics)
        {
            return;
        }

        var otel = services.AddOpenTelemetry();
        if (string.IsNullOrWhiteSpace(configuration["OTEL_SERVICE_NAME"]))
        {
            var instance = InstanceId(configuration);
            otel.ConfigureResource(r => r.AddService(ServiceName, serviceInstanceId: instance, autoGenerateServiceInstanceId: instance is null));
        }

        if (traces)
        {
            otel.WithTracing(t => t
                .AddSource(AloraTelemetry.AllSources, AloraTelemetry.OrleansApplicationSource, AloraTelemetry.OrleansLifecycleSource)
                .SetSampler(new ClientTraceSampler())
                .AddOtlpExporter());
        }

        if (metrics)
        {
            otel.WithMetrics(m => m.AddMeter(AloraTelemetry.MeterName, AloraTelemetry.OrleansMeter).AddOtlpExporter());
        }
    }

    private static string? InstanceId(IConfiguration configuration) =>
        (configuration["OTEL_RESOURCE_ATTRIBUTES"] ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(a => a.Split('=', 2))
            .Where(kv => kv.Length == 2 && kv[0].Trim() == "service.instance.id" && kv[1].Trim().Length > 0)
            .Select(kv => Uri.UnescapeDataString(kv[1].Trim()))
            .LastOrDefault();

    private static bool IsSet(IConfiguration configuration, string key) => !string.IsNullOrWhiteSpace(configuration[key]);

    private static bool IsNone(IConfiguration configuration, string key) =>
        string.Equals(configuration[key]?.Trim(), "none", StringComparison.OrdinalIgnoreCase);
}
