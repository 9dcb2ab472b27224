using Microsoft.Extensions.Configuration;

namespace ALoRA.Telemetry;

/// <summary>
/// Which signals are exported over OTLP, decided by the standard OpenTelemetry environment variables (read through
/// <see cref="IConfiguration"/>, which includes the environment): traces when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> or
/// <c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c> is set, metrics when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> or
/// <c>OTEL_EXPORTER_OTLP_METRICS_ENDPOINT</c> is set; <c>OTEL_TRACES_EXPORTER=none</c> / <c>OTEL_METRICS_EXPORTER=none</c>
/// turn one off and <c>OTEL_SDK_DISABLED=true</c> both. Nothing set: nothing exported.
/// </summary>
/// <param name="Traces">Export spans.</param>
/// <param name="Metrics">Export metrics.</param>
public sealed record AloraTelemetryExport(bool Traces, bool Metrics)
{
    /// <summary>Endpoint of every signal.</summary>
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>Endpoint of traces.</summary>
    public const string TracesEndpointVariable = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";

    /// <summary>Endpoint of metrics.</summary>
    public const string MetricsEndpointVariable = "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT";

    /// <summary>Service name (wins over the name given in code).</summary>
    public const string ServiceNameVariable = "OTEL_SERVICE_NAME";

    /// <summary>Resource attributes (<c>key=value,key=value</c>).</summary>
    public const string ResourceAttributesVariable = "OTEL_RESOURCE_ATTRIBUTES";

    /// <summary>Whether anything is exported.</summary>
    public bool Any => Traces || Metrics;

    /// <summary>Reads the variables from <paramref name="configuration"/>.</summary>
    public static AloraTelemetryExport From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (bool.TryParse(configuration["OTEL_SDK_DISABLED"], out var disabled) && disabled)
        {
            return new AloraTelemetryExport(false, false);
        }

        var all = IsSet(configuration, EndpointVariable);
        var traces = (all || IsSet(configuration, TracesEndpointVariable)) && !IsNone(configuration, "OTEL_TRACES_EXPORTER");
        var metrics = (all || IsSet(configuration, MetricsEndpointVariable)) && !IsNone(configuration, "OTEL_METRICS_EXPORTER");
        return new AloraTelemetryExport(traces, metrics);
    }

    /// <summary>The value <c>OTEL_RESOURCE_ATTRIBUTES</c> gives <paramref name="key"/>, or null.</summary>
    public static string? ResourceAttribute(IConfiguration configuration, string key)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return (configuration[ResourceAttributesVariable] ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(a => a.Split('=', 2))
            .Where(kv => kv.Length == 2 && kv[0].Trim() == key && kv[1].Trim().Length > 0)
            .Select(kv => Uri.UnescapeDataString(kv[1].Trim()))
            .LastOrDefault();
    }

    private static bool IsSet(IConfiguration configuration, string key) => !string.IsNullOrWhiteSpace(configuration[key]);

    private static bool IsNone(IConfiguration configuration, string key) =>
        string.Equals(configuration[key]?.Trim(), "none", StringComparison.OrdinalIgnoreCase);
}
