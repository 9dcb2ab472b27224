namespace ALoRA.Engine.SafeTensors;

/// <summary>One tensor entry of a safetensors header: dtype code (e.g. F32), shape and byte range in the data section.</summary>
public sealed record SafeTensorInfo(string Name, string DType, long[] Shape, long Begin, long End)
{
    /// <summary>Number of elements.</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>Bytes the data range spans.</summary>
    public long ByteLength => End - Begin;
}
