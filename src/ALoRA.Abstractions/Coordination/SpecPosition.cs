namespace ALoRA.Abstractions.Coordination;

/// <summary>Where a value was written in the spec file, so that errors found on a silo can still point at it.</summary>
[GenerateSerializer, Immutable, Alias("alora.SpecPosition")]
public sealed record SpecPosition
{
    /// <summary>1-based line; 0 when unknown.</summary>
    [Id(0)]
    public int Line { get; init; }

    /// <summary>1-based column; 0 when unknown.</summary>
    [Id(1)]
    public int Column { get; init; }
}
