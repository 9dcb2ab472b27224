namespace ALoRA.Abstractions.Trials;

/// <summary>One file of a trial's exported adapter in the checkpoint store, as listed by <c>IAdapterExportGrain</c>.</summary>
[GenerateSerializer, Immutable, Alias("alora.AdapterFile")]
public sealed record AdapterFile
{
    /// <summary>The most bytes one read returns: 1 MiB.</summary>
    public const int ChunkSize = 1 << 20;

    /// <summary>File name (no folder): <c>adapter_config.json</c>, <c>adapter_model.safetensors</c>, ...</summary>
    [Id(0)]
    public string Name { get; init; } = "";

    /// <summary>Size in bytes.</summary>
    [Id(1)]
    public long Length { get; init; }

    /// <summary>SHA-256 of the content, 64 lowercase hex digits, for the receiver to verify its copy.</summary>
    [Id(2)]
    public string Sha256 { get; init; } = "";
}
