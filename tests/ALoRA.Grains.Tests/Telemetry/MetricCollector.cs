using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ALoRA.Abstractions.Diagnostics;

namespace ALoRA.Grains.Tests.Telemetry;

/// <summary>
/// Captures the measurements of the ALoRA meters made by the given meter factories (one per silo), so measurements of
/// other tests' clusters running at the same time are left out.
/// </summary>
internal sealed class MetricCollector : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Name, double Value, Dictionary<string, object?> Tags)> _measurements = new();
    private readonly object _observing = new();
    private List<(string Name, double Value, Dictionary<string, object?> Tags)>? _observation;

    public MetricCollector(IEnumerable<IMeterFactory> factories)
    {
        var scopes = factories.Cast<object>().ToHashSet(ReferenceEqualityComparer.Instance);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == AloraTelemetry.MeterName && instrument.Meter.Scope is { } scope && scopes.Contains(scope))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Add(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Add(i, v, tags));
        _listener.Start();
    }

    /// <summary>Reads the observable instruments now; what they reported in this reading.</summary>
    public Observation Observe()
    {
        lock (_observing)
        {
            _observation = [];
            _listener.RecordObservableInstruments();
            var observed = new Observation(_observation);
            _observation = null;
            return observed;
        }
    }

    public IReadOnlyList<(double Value, Dictionary<string, object?> Tags)> Of(string instrument) =>
        [.. _measurements.Where(m => m.Name == instrument).Select(m => (m.Value, m.Tags))];

    /// <summary>Sum of the measurements of <paramref name="instrument"/> whose tag <paramref name="tag"/> is <paramref name="value"/>.</summary>
    public double Sum(string instrument, string? tag = null, object? value = null) =>
        Of(instrument).Where(m => tag is null || Equals(m.Tags.GetValueOrDefault(tag), value)).Sum(m => m.Value);

    public void Dispose() => _listener.Dispose();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        _measurements.Enqueue((instrument.Name, value, copy));
        if (instrument.IsObservable)
        {
            _observation?.Add((instrument.Name, value, copy));
        }
    }
}
