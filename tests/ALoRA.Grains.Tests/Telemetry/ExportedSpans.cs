using System.Collections.Concurrent;
using System.Diagnostics;
using OpenTelemetry;

namespace ALoRA.Grains.Tests.Telemetry;

/// <summary>An OpenTelemetry exporter that keeps every span it is given, in memory (what an OTLP exporter would send).</summary>
internal sealed class ExportedSpans : BaseExporter<Activity>
{
    private readonly ConcurrentQueue<Activity> _spans = new();

    public IReadOnlyList<Activity> All => [.. _spans];

    public override ExportResult Export(in Batch<Activity> batch)
    {
        foreach (var span in batch)
        {
            _spans.Enqueue(span);
        }

        return ExportResult.Success;
    }
}
