using Grpc.Core;
using OpenTelemetry.Proto.Collector.Metrics.V1;

namespace ALoRA.EndToEnd.Tests.Telemetry;

/// <summary>OTLP <c>MetricsService</c>: keeps every export in the <see cref="OtlpReceiver"/>.</summary>
internal sealed class MetricsReceiver(OtlpReceiver receiver) : MetricsService.MetricsServiceBase
{
    public override Task<ExportMetricsServiceResponse> Export(ExportMetricsServiceRequest request, ServerCallContext context)
    {
        receiver.Add(request);
        return Task.FromResult(new ExportMetricsServiceResponse());
    }
}
