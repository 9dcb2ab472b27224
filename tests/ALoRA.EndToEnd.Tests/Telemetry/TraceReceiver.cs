using Grpc.Core;
using OpenTelemetry.Proto.Collector.Trace.V1;

namespace ALoRA.EndToEnd.Tests.Telemetry;

/// <summary>OTLP <c>TraceService</c>: keeps every export in the <see cref="OtlpReceiver"/>.</summary>
internal sealed class TraceReceiver(OtlpReceiver receiver) : TraceService.TraceServiceBase
{
    public override Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context)
    {
        receiver.Add(request);
        return Task.FromResult(new ExportTraceServiceResponse());
    }
}
