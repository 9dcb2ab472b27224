namespace ALoRA.TestSupport;

/// <summary>Shapes of the sample model's adapted linears, for checking parameter counts and exported tensors.</summary>
public static class Stories260K
{
    /// <summary>Decoder layers.</summary>
    public const int Layers = 5;

    /// <summary>Hidden size.</summary>
    public const int Hidden = 64;

    /// <summary>Key/value projection width: 4 key/value heads of dimension 8.</summary>
    public const int KeyValue = 32;

    /// <summary>MLP intermediate size.</summary>
    public const int Intermediate = 172;

    /// <summary>The adapted module types, in the order of a layer.</summary>
    public static readonly string[] ModuleTypes = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    /// <summary>(in, out) of a linear by its type, the last part of its path.</summary>
    public static (int In, int Out) Shape(string modulePath) => modulePath[(modulePath.LastIndexOf('.') + 1)..] switch
    {
        "q_proj" => (Hidden, Hidden),
        "k_proj" => (Hidden, KeyValue),
        "v_proj" => (Hidden, KeyValue),
        "o_proj" => (Hidden, Hidden),
        "gate_proj" => (Hidden, Intermediate),
        "up_proj" => (Hidden, Intermediate),
        "down_proj" => (Intermediate, Hidden),
        var other => throw new ArgumentException($"not an adapted module type: {other} ({modulePath})"),
    };

    /// <summary>LoRA parameters of rank <c>r</c> on every module: r x (in + out) summed over the modules.</summary>
    public static long UniformLoraParameters(int r) => (long)r * Layers * ModuleTypes.Sum(t => Shape(t).In + Shape(t).Out);

    /// <summary>LoRA parameters of an allocation (module path to rank).</summary>
    public static long Parameters(IEnumerable<KeyValuePair<string, int>> allocation) =>
        allocation.Sum(kv => (long)kv.Value * (Shape(kv.Key).In + Shape(kv.Key).Out));
}
