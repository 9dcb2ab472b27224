using System.Collections.Immutable;

namespace ALoRA.Abstractions.Cluster;

/// <summary>A registered device of one silo, with its slots (each slot is one trainer).</summary>
[GenerateSerializer, Immutable, Alias("alora.TrainerInfo")]
public sealed record TrainerInfo
{
    /// <summary>Trainer key, <c>&lt;silo name&gt;/&lt;device&gt;</c>.</summary>
    [Id(0)]
    public string Key { get; init; } = "";

    /// <summary>Address of the silo incarnation hosting it.</summary>
    [Id(1)]
    public string SiloAddress { get; init; } = "";

    /// <summary>A trial it is running (its lowest busy slot's), if any; <see cref="Slots"/> lists them all.</summary>
    [Id(2)]
    public string? Trial { get; init; }

    /// <summary>When it last registered or reported.</summary>
    [Id(3)]
    public DateTimeOffset LastSeen { get; init; }

    /// <summary>
    /// Memory of its device in bytes, as it registered it (docs/operations.md, <c>Alora:Trainers:DeviceMemory</c>);
    /// null for a trainer that has not reported it (registered by an older silo). Submits check each trial's estimated
    /// memory against the largest (docs/sweep-spec.md, "Limits").
    /// </summary>
    [Id(4)]
    public long? DeviceMemoryBytes { get; init; }

    /// <summary>Its slots, slot 0 first (docs/operations.md, <c>Alora:Trainers:Slots</c>).</summary>
    [Id(50)]
    public ImmutableList<SlotInfo> Slots { get; init; } = [];

    /// <summary>Memory held by the trials running on it, in bytes (the sum of <see cref="SlotInfo.ReservedBytes"/>).</summary>
    [Id(51)]
    public long ReservedBytes { get; init; }
}
