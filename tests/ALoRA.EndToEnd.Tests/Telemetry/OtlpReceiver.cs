using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using OpenTelemetry.Proto.Collector.Trace.V1;

namespace ALoRA.EndToEnd.Tests.Telemetry;

/// <summary>
/// A minimal OpenTelemetry collector for tests: an ASP.NET Core gRPC server (Kestrel, HTTP/2 without TLS, on a free
/// loopback port) implementing OTLP's <c>TraceService/Export</c> and <c>MetricsService/Export</c> from the vendored OTLP
/// protos, keeping every request in memory with the time it arrived. Point <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> at
/// <see cref="Endpoint"/> with <c>OTEL_EXPORTER_OTLP_PROTOCOL=grpc</c>.
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<(DateTime At, ExportTraceServiceRequest Request)> _traces = new();
    private readonly ConcurrentQueue<(DateTime At, ExportMetricsServiceRequest Request)> _metrics = new();
    private WebApplication? _app;

    private OtlpReceiver()
    {
    }

    /// <summary>Where to send OTLP over gRPC (<c>http://127.0.0.1:PORT</c>).</summary>
    public string Endpoint { get; private set; } = "";

    /// <summary>Every span received so far.</summary>
    public IReadOnlyList<ReceivedSpan> Spans => [.. _traces.SelectMany(t => ReceivedSpan.From(t.Request))];

    /// <summary>Every metric received so far, one entry per metric per export request.</summary>
    public IReadOnlyList<ReceivedMetric> Metrics => [.. _metrics.SelectMany(m => ReceivedMetric.From(m.At, m.Request))];

    /// <summary>Starts listening.</summary>
    public static async Task<OtlpReceiver> StartAsync()
    {
        var receiver = new OtlpReceiver();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = 64 << 20);
        builder.Services.AddSingleton(receiver);
        var app = builder.Build();
        app.MapGrpcService<TraceReceiver>();
        app.MapGrpcService<MetricsReceiver>();
        await app.StartAsync();
        receiver._app = app;
        receiver.Endpoint = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return receiver;
    }

    public void Add(ExportTraceServiceRequest request) => _traces.Enqueue((DateTime.UtcNow, request));

    public void Add(ExportMetricsServiceRequest request) => _metrics.Enqueue((DateTime.UtcNow, request));

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
