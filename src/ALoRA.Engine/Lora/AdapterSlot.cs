namespace ALoRA.Engine.Lora;

/// <summary>An adapted module and its full module path (e.g. <c>model.layers.3.mlp.down_proj</c>).</summary>
public sealed record AdapterSlot(string Path, GatedLoraLinear Module)
{
    /// <summary>Layer index parsed from the path (<c>model.layers.N.</c>), or -1.</summary>
    public int Layer
    {
        get
        {
            var parts = Path.Split('.');
            var i = Array.IndexOf(parts, "layers");
            return i >= 0 && i + 1 < parts.Length && int.TryParse(parts[i + 1], out var n) ? n : -1;
        }
    }

    /// <summary>Module type: the last path segment (e.g. <c>q_proj</c>).</summary>
    public string ModuleType => Path[(Path.LastIndexOf('.') + 1)..];
}
