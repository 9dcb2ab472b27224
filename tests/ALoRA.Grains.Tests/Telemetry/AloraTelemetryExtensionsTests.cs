using ALoRA.Grains.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace ALoRA.Grains.Tests.Telemetry;

/// <summary>OTLP export follows the standard <c>OTEL_*</c> variables; with none set nothing is registered.</summary>
public sealed class AloraTelemetryExtensionsTests
{
    [Theory]
    [InlineData(new string[0], false, false)]
    [InlineData(new[] { "OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:1" }, true, true)]
    [InlineData(new[] { "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://127.0.0.1:1/v1/traces" }, true, false)]
    [InlineData(new[] { "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT=http://127.0.0.1:1/v1/metrics" }, false, true)]
    [InlineData(new[] { "OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:1", "OTEL_TRACES_EXPORTER=none" }, false, true)]
    [InlineData(new[] { "OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:1", "OTEL_SDK_DISABLED=true" }, false, false)]
    [InlineData(new[] { "OTEL_EXPORTER_OTLP_ENDPOINT=" }, false, false)]
    public void AddAloraTelemetry_ExportsWhatTheVariablesAskFor(string[] variables, bool traces, bool metrics)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(variables.Select(v => v.Split('=', 2)).Select(kv => new KeyValuePair<string, string?>(kv[0], kv[1])))
            .Build();
        var services = new ServiceCollection();

        var export = services.AddAloraTelemetry(configuration, "alora-test");

        Assert.Equal(new AloraTelemetryExport(traces, metrics), export);
        using var provider = services.BuildServiceProvider();
        Assert.Equal(traces, provider.GetService<TracerProvider>() is not null);
        Assert.Equal(metrics, provider.GetService<MeterProvider>() is not null);
    }
}
