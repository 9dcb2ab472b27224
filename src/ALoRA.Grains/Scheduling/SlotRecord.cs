namespace ALoRA.Grains.Scheduling;

/// <summary>One slot of a registered device as the scheduler knows it.</summary>
[GenerateSerializer, Alias("alora.SlotRecord")]
public sealed class SlotRecord
{
    /// <summary>The trial assigned to it, if any.</summary>
    [Id(0)]
    public string? Trial { get; set; }

    /// <summary>The memory that trial holds on the device (its estimate); null when free or not known.</summary>
    [Id(1)]
    public long? ReservedBytes { get; set; }

    /// <summary>True when it asked for work and got none (it is told when work arrives).</summary>
    [Id(2)]
    public bool Waiting { get; set; }
}
