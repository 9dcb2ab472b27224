using ALoRA.Engine.Lora;
using static TorchSharp.torch;

namespace ALoRA.Engine.Model;

/// <summary>How to load a Hugging Face model folder.</summary>
public sealed record ModelLoadOptions
{
    /// <summary>
    /// The dtype the frozen base is stored and computed in (default float32); stored float32/float16/bfloat16 weights are
    /// converted to it tensor by tensor as they load. Adapters are float32 whatever it is (docs/engine-notes.md, "Precision").
    /// </summary>
    public ScalarType DType { get; init; } = ScalarType.Float32;

    /// <summary>Device to place the model on after loading (default CPU).</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Adapters to add, or null for the plain model.</summary>
    public LoraConfig? Lora { get; init; }
}
