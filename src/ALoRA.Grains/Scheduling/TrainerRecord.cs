namespace ALoRA.Grains.Scheduling;

/// <summary>A registered device (key <c>&lt;silo&gt;/&lt;device&gt;</c>) as the scheduler knows it, with its slots.</summary>
[GenerateSerializer, Alias("alora.TrainerRecord")]
public sealed class TrainerRecord
{
    /// <summary>Parsable address of the silo incarnation hosting it.</summary>
    [Id(0)]
    public string SiloAddress { get; set; } = "";

    /// <summary>
    /// The trial of slot 0 in records written before devices had slots; moved into <see cref="Slots"/> when read
    /// (<see cref="SlotBook"/>), null afterwards.
    /// </summary>
    [Id(1)]
    public string? Trial { get; set; }

    /// <summary>Slot 0's waiting flag in records written before devices had slots; moved into <see cref="Slots"/> when read.</summary>
    [Id(2)]
    public bool Waiting { get; set; }

    /// <summary>Last registration or request.</summary>
    [Id(3)]
    public DateTimeOffset LastSeen { get; set; }

    /// <summary>Memory of its device in bytes as last registered; null when never reported (records of older silos).</summary>
    [Id(4)]
    public long? DeviceMemoryBytes { get; set; }

    /// <summary>Its slots, slot 0 first (empty in records written before devices had slots: one slot).</summary>
    [Id(50)]
    public List<SlotRecord> Slots { get; set; } = [];

    /// <summary>The dtypes its device computes, as last registered; null when it reported none (nothing is checked then).</summary>
    [Id(51)]
    public List<string>? DTypes { get; set; }

    /// <summary>The identity given to experiments of the trainer of slot key <paramref name="slotKey"/>: <c>key@silo address</c>.</summary>
    public string Identity(string slotKey) => $"{slotKey}@{SiloAddress}";
}
