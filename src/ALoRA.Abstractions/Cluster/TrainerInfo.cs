namespace ALoRA.Abstractions.Cluster;

/// <summary>A registered trainer (one device of one silo).</summary>
[GenerateSerializer, Immutable, Alias("alora.TrainerInfo")]
public sealed record TrainerInfo
{
    /// <summary>Trainer key, <c>&lt;silo name&gt;/&lt;device&gt;</c>.</summary>
    [Id(0)]
    public string Key { get; init; } = "";

    /// <summary>Address of the silo incarnation hosting it.</summary>
    [Id(1)]
    public string SiloAddress { get; init; } = "";

    /// <summary>Trial it is running, if any.</summary>
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
}
