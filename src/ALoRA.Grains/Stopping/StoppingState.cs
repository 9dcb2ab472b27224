using System.Text.Json.Serialization;
using ALoRA.Abstractions.Sweeps;
using ALoRA.Grains.Storage;

namespace ALoRA.Grains.Stopping;

/// <summary>The persisted state of a sweep's early stopping (<see cref="StoppingGrain"/>): its settings and records.</summary>
[GenerateSerializer, Alias("alora.StoppingState")]
public sealed class StoppingState : IUnreadableStateAware
{
    /// <inheritdoc />
    [JsonIgnore]
    [field: NonSerialized]
    public string? UnreadableReason { get; set; }

    /// <summary>The settings the records were decided with (those of the first report); null before it.</summary>
    [Id(0)]
    public StoppingSettings? Settings { get; set; }

    /// <summary>Every report recorded, in arrival order, with its decision.</summary>
    [Id(1)]
    public List<StoppingRecord> Records { get; set; } = [];
}
