namespace ALoRA.Abstractions.Cluster;

/// <summary>One slot of a device: the trial it runs and the memory that trial holds on the device.</summary>
[GenerateSerializer, Immutable, Alias("alora.SlotInfo")]
public sealed record SlotInfo
{
    /// <summary>The slot's number on its device, from 0.</summary>
    [Id(0)]
    public int Slot { get; init; }

    /// <summary>The slot's trainer key (<c>&lt;silo&gt;/&lt;device&gt;</c> for slot 0, <c>&lt;silo&gt;/&lt;device&gt;#n</c> for slot n).</summary>
    [Id(1)]
    public string Trainer { get; init; } = "";

    /// <summary>The trial it runs; null when free.</summary>
    [Id(2)]
    public string? Trial { get; init; }

    /// <summary>
    /// The memory the trial holds on the device (its estimate at submit), in bytes; null when free or when the estimate is
    /// not known (the trial then runs on the device alone).
    /// </summary>
    [Id(3)]
    public long? ReservedBytes { get; init; }
}
