using OpenTelemetry.Proto.Collector.Metrics.V1;
using OpenTelemetry.Proto.Metrics.V1;

namespace ALoRA.EndToEnd.Tests.Telemetry;

/// <summary>One metric of one OTLP export request, as it arrived: its kind, unit and data points.</summary>
internal sealed record ReceivedMetric(
    DateTime ReceivedAt,
    IReadOnlyDictionary<string, string> Resource,
    string Meter,
    string Name,
    string Unit,
    Metric.DataOneofCase Kind,
    bool Monotonic,
    AggregationTemporality Temporality,
    IReadOnlyList<IReadOnlyDictionary<string, string>> Points)
{
    /// <summary>The resource's <c>service.name</c>.</summary>
    public string Service => Resource.GetValueOrDefault("service.name", "");

    public static IEnumerable<ReceivedMetric> From(DateTime receivedAt, ExportMetricsServiceRequest request) =>
        from resource in request.ResourceMetrics
        let resourceAttributes = Attributes.Of(resource.Resource.Attributes)
        from scope in resource.ScopeMetrics
        from metric in scope.Metrics
        select new ReceivedMetric(
            receivedAt,
            resourceAttributes,
            scope.Scope.Name,
            metric.Name,
            metric.Unit,
            metric.DataCase,
            metric.DataCase == Metric.DataOneofCase.Sum && metric.Sum.IsMonotonic,
            metric.DataCase switch
            {
                Metric.DataOneofCase.Sum => metric.Sum.AggregationTemporality,
                Metric.DataOneofCase.Histogram => metric.Histogram.AggregationTemporality,
                _ => AggregationTemporality.Unspecified,
            },
            PointsOf(metric));

    private static IReadOnlyList<IReadOnlyDictionary<string, string>> PointsOf(Metric metric) => metric.DataCase switch
    {
        Metric.DataOneofCase.Gauge => [.. metric.Gauge.DataPoints.Select(p => Attributes.Of(p.Attributes))],
        Metric.DataOneofCase.Sum => [.. metric.Sum.DataPoints.Select(p => Attributes.Of(p.Attributes))],
        Metric.DataOneofCase.Histogram => [.. metric.Histogram.DataPoints.Select(p => Attributes.Of(p.Attributes))],
        _ => [],
    };
}
