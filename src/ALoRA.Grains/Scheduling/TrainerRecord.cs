namespace ALoRA.Grains.Scheduling;

/// <summary>A registered trainer as the scheduler knows it.</summary>
[GenerateSerializer, Alias("alora.TrainerRecord")]
public sealed class TrainerRecord
{
    /// <summary>Parsable address of the silo incarnation hosting it.</summary>
    [Id(0)]
    public string SiloAddress { get; set; } = "";

    /// <summary>Trial assigned to it, if any.</summary>
    [Id(1)]
    public string? Trial { get; set; }

    /// <summary>True when it asked for work and got none (it is told when work arrives).</summary>
    [Id(2)]
    public bool Waiting { get; set; }

    /// <summary>Last registration or request.</summary>
    [Id(3)]
    public DateTimeOffset LastSeen { get; set; }

    /// <summary>Memory of its device in bytes as last registered; null when never reported (records of older silos).</summary>
    [Id(4)]
    public long? DeviceMemoryBytes { get; set; }

    /// <summary>Trainer identity given to experiments: <c>key@silo address</c>.</summary>
    public string Identity(string key) => $"{key}@{SiloAddress}";
}
