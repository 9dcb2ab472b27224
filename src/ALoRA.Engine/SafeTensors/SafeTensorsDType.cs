using TorchSharp;

namespace ALoRA.Engine.SafeTensors;

/// <summary>Maps safetensors dtype codes to torch scalar types and element sizes.</summary>
public static class SafeTensorsDType
{
    /// <summary>Element size in bytes for a supported dtype code, or null.</summary>
    public static int? ElementSize(string code) => code switch
    {
        "F64" or "I64" => 8,
        "F32" or "I32" => 4,
        "F16" or "BF16" or "I16" => 2,
        "U8" or "I8" or "BOOL" => 1,
        _ => null,
    };

    /// <summary>The torch scalar type for a dtype code.</summary>
    public static torch.ScalarType ToScalarType(string code) => code switch
    {
        "F64" => torch.ScalarType.Float64,
        "F32" => torch.ScalarType.Float32,
        "F16" => torch.ScalarType.Float16,
        "BF16" => torch.ScalarType.BFloat16,
        "I64" => torch.ScalarType.Int64,
        "I32" => torch.ScalarType.Int32,
        "I16" => torch.ScalarType.Int16,
        "I8" => torch.ScalarType.Int8,
        "U8" => torch.ScalarType.Byte,
        "BOOL" => torch.ScalarType.Bool,
        _ => throw new NotSupportedException($"safetensors dtype '{code}' is not supported"),
    };

    /// <summary>The dtype code for a torch scalar type.</summary>
    public static string FromScalarType(torch.ScalarType type) => type switch
    {
        torch.ScalarType.Float64 => "F64",
        torch.ScalarType.Float32 => "F32",
        torch.ScalarType.Float16 => "F16",
        torch.ScalarType.BFloat16 => "BF16",
        torch.ScalarType.Int64 => "I64",
        torch.ScalarType.Int32 => "I32",
        torch.ScalarType.Int16 => "I16",
        torch.ScalarType.Int8 => "I8",
        torch.ScalarType.Byte => "U8",
        torch.ScalarType.Bool => "BOOL",
        _ => throw new NotSupportedException($"torch dtype {type} cannot be written to safetensors"),
    };
}
