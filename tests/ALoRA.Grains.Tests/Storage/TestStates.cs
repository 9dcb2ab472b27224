using ALoRA.Grains.Storage;

namespace ALoRA.Grains.Tests.Storage;

/// <summary>Phases for the enum-as-string check.</summary>
public enum TestPhase
{
    /// <summary>Not started.</summary>
    Idle,

    /// <summary>Running.</summary>
    Running,
}

/// <summary>A state with an alias, as the grains' states have.</summary>
[Alias("test.CounterState")]
public sealed class CounterState
{
    /// <summary>A counter.</summary>
    public int Count { get; set; }

    /// <summary>A label.</summary>
    public string? Label { get; set; }

    /// <summary>May be NaN or infinite.</summary>
    public double Loss { get; set; }

    /// <summary>An enum.</summary>
    public TestPhase Phase { get; set; }

    /// <summary>A list.</summary>
    public List<double> Losses { get; set; } = [];

    /// <summary>Dictionary keys are kept as they are.</summary>
    public Dictionary<string, int> RankPattern { get; set; } = [];

    /// <summary>A nested record with init-only properties.</summary>
    public NestedRecord? Nested { get; set; }
}

/// <summary>A record without an alias: stored under its class name.</summary>
public sealed record NestedRecord
{
    /// <summary>A name.</summary>
    public string Name { get; init; } = "";

    /// <summary>A time.</summary>
    public DateTimeOffset At { get; init; }
}

/// <summary>Another state type, to check that a file of one type is not read as another.</summary>
[Alias("test.OtherState")]
public sealed class OtherState
{
    /// <summary>A value.</summary>
    public string Value { get; set; } = "";
}

/// <summary>A state whose grain activates even when its record is unreadable, as the grains' states do.</summary>
[Alias("test.TolerantState")]
public sealed class TolerantState : IUnreadableStateAware
{
    /// <summary>A counter.</summary>
    public int Count { get; set; }

    /// <inheritdoc />
    [System.Text.Json.Serialization.JsonIgnore]
    public string? UnreadableReason { get; set; }
}
