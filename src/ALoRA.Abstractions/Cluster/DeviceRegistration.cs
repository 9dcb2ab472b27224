using System.Collections.Immutable;

namespace ALoRA.Abstractions.Cluster;

/// <summary>
/// One device of a silo as it registers with the scheduler every heartbeat (docs/operations.md, <c>Alora:Trainers</c>):
/// its slots, its memory and the dtypes it computes, in one registration.
/// </summary>
[GenerateSerializer, Immutable, Alias("alora.DeviceRegistration")]
public sealed record DeviceRegistration
{
    /// <summary>The device's key, <c>&lt;silo name&gt;/&lt;device&gt;</c> (the key of its slot 0's trainer).</summary>
    [Id(0)]
    public string Key { get; init; } = "";

    /// <summary>Trials it may run at once (<c>Alora:Trainers:Slots</c>), at least 1.</summary>
    [Id(1)]
    public int Slots { get; init; } = 1;

    /// <summary>Its memory in bytes; null when not known (the memory registered before stays).</summary>
    [Id(2)]
    public long? MemoryBytes { get; init; }

    /// <summary>The base-model dtypes it computes (docs/sweep-spec.md, <c>model.dtype</c>); null when it could not be probed.</summary>
    [Id(3)]
    public ImmutableList<string>? DTypes { get; init; }
}
