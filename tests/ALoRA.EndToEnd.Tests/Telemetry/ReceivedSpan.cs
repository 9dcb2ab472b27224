using Google.Protobuf;
using OpenTelemetry.Proto.Collector.Trace.V1;

namespace ALoRA.EndToEnd.Tests.Telemetry;

/// <summary>One span as it arrived over OTLP, with its resource's attributes; ids in lower-case hex, "" for none.</summary>
internal sealed record ReceivedSpan(
    IReadOnlyDictionary<string, string> Resource,
    string TraceId,
    string SpanId,
    string ParentSpanId,
    string Name,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyList<(string TraceId, string SpanId)> Links,
    DateTime End)
{
    /// <summary>The resource's <c>service.name</c>.</summary>
    public string Service => Resource.GetValueOrDefault("service.name", "");

    public bool IsRoot => ParentSpanId.Length == 0;

    public string? Attribute(string key) => Attributes.GetValueOrDefault(key);

    public override string ToString() => $"{Service}: {Name} ({TraceId}/{SpanId} under {ParentSpanId})";

    public static IEnumerable<ReceivedSpan> From(ExportTraceServiceRequest request) =>
        from resource in request.ResourceSpans
        let resourceAttributes = Telemetry.Attributes.Of(resource.Resource.Attributes)
        from scope in resource.ScopeSpans
        from span in scope.Spans
        select new ReceivedSpan(
            resourceAttributes,
            Hex(span.TraceId),
            Hex(span.SpanId),
            Hex(span.ParentSpanId),
            span.Name,
            Telemetry.Attributes.Of(span.Attributes),
            [.. span.Links.Select(l => (Hex(l.TraceId), Hex(l.SpanId)))],
            DateTime.UnixEpoch.AddTicks((long)(span.EndTimeUnixNano / 100)));

    private static string Hex(ByteString id) => Convert.ToHexStringLower(id.Span);
}
