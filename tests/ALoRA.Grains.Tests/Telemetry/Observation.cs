namespace ALoRA.Grains.Tests.Telemetry;

/// <summary>What the observable instruments reported in one reading (<see cref="MetricCollector.Observe"/>).</summary>
internal sealed class Observation(IReadOnlyList<(string Name, double Value, Dictionary<string, object?> Tags)> measurements)
{
    public IReadOnlyList<(double Value, Dictionary<string, object?> Tags)> Of(string instrument) =>
        [.. measurements.Where(m => m.Name == instrument).Select(m => (m.Value, m.Tags))];

    /// <summary>The values of <paramref name="instrument"/> by the value of its tag <paramref name="tag"/>.</summary>
    public Dictionary<string, double> By(string instrument, string tag) =>
        Of(instrument).ToDictionary(m => (string)m.Tags[tag]!, m => m.Value, StringComparer.Ordinal);
}
