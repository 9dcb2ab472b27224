using System.Collections.Immutable;

namespace ALoRA.Abstractions.Coordination;

/// <summary>
/// A sweep spec as the client parsed it, sent to the sweep's coordinator instead of the YAML text (see
/// docs/sweep-spec.md, "The spec on the wire"). It holds the values as written: paths are not resolved (the silos
/// resolve and check them) and absent settings are absent (the silo fills in defaults). The coordinator re-checks
/// every value before using it; <see cref="Positions"/> lets its errors name the line of the spec file.
/// </summary>
[GenerateSerializer, Immutable, Alias("alora.SweepDefinition")]
public sealed record SweepDefinition
{
    /// <summary>The id written in the spec (<c>id:</c>), or null for the derived one.</summary>
    [Id(0)]
    public string? Id { get; init; }

    /// <summary>Display name, or null.</summary>
    [Id(1)]
    public string? Name { get; init; }

    /// <summary>Model folder as written (relative paths resolve on the silos).</summary>
    [Id(2)]
    public string Model { get; init; } = "";

    /// <summary>Data folder as written (relative paths resolve on the silos).</summary>
    [Id(3)]
    public string Data { get; init; } = "";

    /// <summary>Task name.</summary>
    [Id(4)]
    public string Task { get; init; } = "";

    /// <summary>Metric that ranks trials.</summary>
    [Id(5)]
    public string Metric { get; init; } = "";

    /// <summary><c>max</c> or <c>min</c> (as written, or implied by the metric).</summary>
    [Id(6)]
    public string Mode { get; init; } = "";

    /// <summary>The most trials of the sweep that run at once.</summary>
    [Id(7)]
    public int MaxConcurrentTrials { get; init; }

    /// <summary>Training seeds.</summary>
    [Id(8)]
    public ImmutableList<long> Seeds { get; init; } = [];

    /// <summary>How many times the grid is repeated.</summary>
    [Id(9)]
    public int NumSamples { get; init; }

    /// <summary>Seed of the random domains.</summary>
    [Id(10)]
    public long SearchSeed { get; init; }

    /// <summary>Every setting written (including <c>method</c>), in document order.</summary>
    [Id(11)]
    public ImmutableList<SweepSetting> Settings { get; init; } = [];

    /// <summary>Position of the value at each YAML path that was written (<c>model</c>, <c>training.learning_rate</c>, ...).</summary>
    [Id(12)]
    public Dictionary<string, SpecPosition> Positions { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Name of the spec for messages (the file path on the client), or null.</summary>
    [Id(13)]
    public string? SourceName { get; init; }
}
