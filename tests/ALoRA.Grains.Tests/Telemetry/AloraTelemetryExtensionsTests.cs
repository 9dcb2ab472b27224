using ALoRA.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
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

    [Theory]
    [InlineData("service.instance.id=alora-silo-1,k8s.pod.name=alora-silo-1", "alora-silo-1")]
    [InlineData("k8s.pod.name=alora-silo-1", null)]
    public void AddAloraTelemetry_KeepsTheInstanceIdOfOtelResourceAttributes_ElseGeneratesOne(string attributes, string? instance)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:1",
                ["OTEL_RESOURCE_ATTRIBUTES"] = attributes,
            })
            .Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddAloraTelemetry(configuration, "alora-test");

        using var provider = services.BuildServiceProvider();
        var resource = provider.GetRequiredService<TracerProvider>().GetResource().Attributes.ToDictionary(a => a.Key, a => a.Value);
        Assert.Equal("alora-test", resource["service.name"]);
        Assert.Equal("alora-silo-1", resource["k8s.pod.name"]);
        if (instance is null)
        {
            Assert.True(Guid.TryParse((string)resource["service.instance.id"], out _), $"{resource["service.instance.id"]}");
        }
        else
        {
            Assert.Equal(instance, resource["service.instance.id"]);
        }
    }
}
