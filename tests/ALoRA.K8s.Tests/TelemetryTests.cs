using System.Text.Json;
using k8s.Models;

namespace ALoRA.K8s.Tests;

/// <summary>The telemetry pipeline: silos → OTLP → collector → Jaeger (traces) and Prometheus (metrics) → Grafana.</summary>
public sealed class TelemetryTests
{
    /// <summary>The metric names the silos emit (Meter ALoRA.Orleans) as Prometheus sees them; k8s/README.md lists them too.</summary>
    public static readonly string[] MetricNames =
    [
        "alora_training_loss",
        "alora_tokens_per_second",
        "alora_active_ranks",
        "alora_trials",
        "alora_queue_length",
        "alora_device_busy_seconds_total",
        "alora_scoring_round_seconds",
    ];

    public static TheoryData<string> Metrics() => new(MetricNames);

    private static Dictionary<object, object> CollectorConfig() =>
        Assert.IsType<Dictionary<object, object>>(K8sRepo.ParseYaml(K8sRepo.GeneratedFile("alora-otel-collector-config", "config.yaml")));

    private static Dictionary<object, object> Map(object? node, string what) =>
        node as Dictionary<object, object> ?? throw new InvalidDataException($"{what} is not a map");

    private static List<string> Names(Dictionary<object, object> pipeline, string key) =>
        (pipeline.TryGetValue(key, out var list) ? (List<object>)list : []).Select(o => (string)o).ToList();

    [Fact]
    public void Collector_ReceivesOtlpOverGrpcAndHttp()
    {
        var otlp = Map(Map(CollectorConfig()["receivers"], "receivers")["otlp"], "receivers.otlp");
        var protocols = Map(otlp["protocols"], "otlp.protocols");
        Assert.EndsWith(":4317", (string)Map(protocols["grpc"], "grpc")["endpoint"], StringComparison.Ordinal);
        Assert.EndsWith(":4318", (string)Map(protocols["http"], "http")["endpoint"], StringComparison.Ordinal);
    }

    [Fact]
    public void Collector_PipelinesSendTracesToJaegerAndMetricsToPrometheus()
    {
        var config = CollectorConfig();
        var exporters = Map(config["exporters"], "exporters");
        var processors = Map(config["processors"], "processors");
        var pipelines = Map(Map(config["service"], "service")["pipelines"], "service.pipelines");

        var traces = Map(pipelines["traces"], "traces pipeline");
        Assert.Contains("otlp", Names(traces, "receivers"));
        var jaeger = Assert.Single(Names(traces, "exporters"), e => e.Contains("jaeger", StringComparison.Ordinal));
        Assert.True(exporters.ContainsKey(jaeger), $"exporter {jaeger} is used but not defined");

        var metrics = Map(pipelines["metrics"], "metrics pipeline");
        Assert.Contains("otlp", Names(metrics, "receivers"));
        var prometheus = Assert.Single(Names(metrics, "exporters"), e => e.StartsWith("prometheus", StringComparison.Ordinal));
        Assert.True(exporters.ContainsKey(prometheus), $"exporter {prometheus} is used but not defined");

        foreach (var pipeline in pipelines.Values.Select(p => Map(p, "pipeline")))
        {
            Assert.All(Names(pipeline, "processors"), p => Assert.True(processors.ContainsKey(p), $"processor {p} is used but not defined"));
            Assert.All(Names(pipeline, "exporters"), e => Assert.True(exporters.ContainsKey(e), $"exporter {e} is used but not defined"));
        }
    }

    [Fact]
    public void Collector_JaegerExporter_PointsAtTheJaegerServiceOtlpPort()
    {
        var exporter = Map(Map(CollectorConfig()["exporters"], "exporters")["otlp/jaeger"], "otlp/jaeger");
        var endpoint = ((string)exporter["endpoint"]).Split(':');
        var service = K8sRepo.One<V1Service>(endpoint[0]);
        Assert.Contains(service.Spec.Ports, p => p.Port == int.Parse(endpoint[1], System.Globalization.CultureInfo.InvariantCulture) && p.Name == "otlp-grpc");
    }

    [Fact]
    public void Collector_PrometheusExporter_KeepsInstrumentNamesAndIsScraped()
    {
        var exporter = Map(Map(CollectorConfig()["exporters"], "exporters")["prometheus"], "prometheus exporter");
        // OpenTelemetry's Prometheus naming: units and counters add their suffixes (alora.device.busy with unit "s" is
        // alora_device_busy_seconds_total), which is what the dashboard queries.
        Assert.Equal("true", exporter["add_metric_suffixes"]);
        var port = ((string)exporter["endpoint"]).Split(':')[1];

        var service = K8sRepo.One<V1Service>("alora-otel-collector");
        Assert.Contains(service.Spec.Ports, p => p.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) == port);

        var scrape = K8sRepo.GeneratedFile("alora-prometheus-config", "prometheus.yml");
        Assert.Contains($"alora-otel-collector:{port}", scrape, StringComparison.Ordinal);
    }

    [Fact]
    public void Collector_MountsItsConfigWhereItsArgumentPoints()
    {
        var collector = K8sRepo.One<V1Deployment>("alora-otel-collector");
        var container = Assert.Single(collector.Spec.Template.Spec.Containers);
        var volume = collector.Spec.Template.Spec.Volumes.Single(v => v.ConfigMap?.Name == "alora-otel-collector-config");
        var mount = container.VolumeMounts.Single(m => m.Name == volume.Name);
        Assert.Contains($"--config={mount.MountPath}/config.yaml", container.Args);
        Assert.Contains(container.Ports, p => p.ContainerPort == 4317);
        Assert.Contains(container.Ports, p => p.ContainerPort == 4318);
    }

    [Fact]
    public void Dashboard_IsValidJsonWithPanels()
    {
        using var dashboard = JsonDocument.Parse(K8sRepo.GeneratedFile("alora-grafana-dashboards", "alora.json"));
        Assert.False(string.IsNullOrEmpty(dashboard.RootElement.GetProperty("uid").GetString()));
        Assert.True(dashboard.RootElement.GetProperty("panels").GetArrayLength() >= MetricNames.Length);
    }

    [Theory]
    [MemberData(nameof(Metrics))]
    public void Dashboard_QueriesTheMetric(string metric)
    {
        using var dashboard = JsonDocument.Parse(K8sRepo.GeneratedFile("alora-grafana-dashboards", "alora.json"));
        var expressions = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray())
            .Select(t => t.GetProperty("expr").GetString()!)
            .ToList();
        Assert.Contains(expressions, e => System.Text.RegularExpressions.Regex.IsMatch(e, $@"\b{metric}(_bucket|_sum|_count)?\b"));
    }

    [Fact]
    public void Dashboard_EveryLabelAQueryOrLegendUses_IsOneItsSeriesCarry()
    {
        var labels = new DashboardLabels(ResourceLabels());
        using var dashboard = JsonDocument.Parse(K8sRepo.GeneratedFile("alora-grafana-dashboards", "alora.json"));
        var targets = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray().Select(t => (Panel: p.GetProperty("title").GetString(), Target: t)))
            .ToList();
        Assert.NotEmpty(targets);
        var problems = targets
            .SelectMany(t => labels.Problems(
                t.Target.GetProperty("expr").GetString()!,
                t.Target.TryGetProperty("legendFormat", out var legend) ? legend.GetString() : null).Select(p => $"{t.Panel}: {p}"))
            .ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Theory]
    [InlineData("alora_training_loss", "{{trial}} ({{method}}) {{k8s_pod_name}}", true)]
    [InlineData("alora_training_loss", "{{trial}} {{device}}", false)]
    [InlineData("alora_active_ranks", "{{trail}}", false)]
    [InlineData("alora_trials{state=\"running\"}", "{{state}}", true)]
    [InlineData("alora_trials{phase=\"running\"}", null, false)]
    [InlineData("sum by (k8s_pod_name, device) (rate(alora_device_busy_seconds_total[5m]))", "{{k8s_pod_name}} {{device}}", true)]
    [InlineData("sum by (k8s_pod_name) (rate(alora_device_busy_seconds_total[5m]))", "{{device}}", false)]
    [InlineData("sum by (state) (alora_queue_length)", null, false)]
    [InlineData("histogram_quantile(0.5, sum by (le) (rate(alora_scoring_round_seconds_bucket[5m])))", "p50", true)]
    [InlineData("sum by (le) (rate(alora_scoring_round_seconds_sum[5m]))", null, false)]
    [InlineData("rate(alora_no_such_metric[5m])", null, false)]
    public void DashboardLabels_FlagEveryLabelTheSeriesLack(string expr, string? legend, bool fine)
    {
        var problems = new DashboardLabels(ResourceLabels()).Problems(expr, legend);
        Assert.True(fine == (problems.Count == 0), string.Join("\n", problems));
    }

    /// <summary>
    /// The labels the collector's Prometheus exporter puts on every series: <c>job</c> and <c>instance</c>, and, with
    /// <c>resource_to_telemetry_conversion</c>, the silo's resource attributes (<c>OTEL_SERVICE_NAME</c>,
    /// <c>OTEL_RESOURCE_ATTRIBUTES</c> of the StatefulSet) with dots as underscores.
    /// </summary>
    private static HashSet<string> ResourceLabels()
    {
        var labels = new HashSet<string>(StringComparer.Ordinal) { "job", "instance" };
        var exporter = Map(Map(CollectorConfig()["exporters"], "exporters")["prometheus"], "prometheus exporter");
        if (!exporter.TryGetValue("resource_to_telemetry_conversion", out var conversion) || !Equals(Map(conversion, "resource_to_telemetry_conversion")["enabled"], "true"))
        {
            return labels;
        }

        var silo = K8sRepo.Silo;
        var container = K8sRepo.SiloContainerOf(silo);
        var attributes = K8sRepo.ResolveEnv(container, silo.Spec.Template, "OTEL_RESOURCE_ATTRIBUTES") ?? "";
        var keys = attributes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(a => a.Split('=', 2)[0]).ToList();
        if (K8sRepo.ResolveEnv(container, silo.Spec.Template, "OTEL_SERVICE_NAME") is not null)
        {
            keys.Add("service.name");
        }

        Assert.Contains("k8s.pod.name", keys);
        labels.UnionWith(keys.Select(k => System.Text.RegularExpressions.Regex.Replace(k, "[^a-zA-Z0-9_]", "_")));
        return labels;
    }

    [Fact]
    public void Dashboard_PanelsUseTheProvisionedPrometheusDataSource()
    {
        var sources = K8sRepo.GeneratedFile("alora-grafana-datasources", "datasources.yaml");
        using var dashboard = JsonDocument.Parse(K8sRepo.GeneratedFile("alora-grafana-dashboards", "alora.json"));
        foreach (var panel in dashboard.RootElement.GetProperty("panels").EnumerateArray())
        {
            var uid = panel.GetProperty("datasource").GetProperty("uid").GetString();
            Assert.Contains($"uid: {uid}", sources, StringComparison.Ordinal);
        }

        Assert.Contains("url: http://alora-prometheus:9090", sources, StringComparison.Ordinal);
        Assert.Contains("url: http://alora-jaeger:16686", sources, StringComparison.Ordinal);
    }

    [Fact]
    public void Grafana_ProvisionsTheDashboardFolder()
    {
        var grafana = K8sRepo.One<V1Deployment>("alora-grafana");
        var spec = grafana.Spec.Template.Spec;
        var dashboards = spec.Volumes.Single(v => v.ConfigMap?.Name == "alora-grafana-dashboards");
        var mount = spec.Containers.Single().VolumeMounts.Single(m => m.Name == dashboards.Name);
        Assert.Contains($"path: {mount.MountPath}", K8sRepo.GeneratedFile("alora-grafana-dashboard-provider", "dashboards.yaml"), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Metrics))]
    public void Readme_ListsTheMetric(string metric)
    {
        Assert.Contains($"`{metric}`", File.ReadAllText(Path.Combine(K8sRepo.K8sDir, "README.md")), StringComparison.Ordinal);
    }
}
