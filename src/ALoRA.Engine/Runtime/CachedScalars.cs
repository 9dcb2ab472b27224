using TorchSharp;

namespace ALoRA.Engine.Runtime;

/// <summary>
/// Scalars reused on hot paths. Every implicit scalar (<c>t * 2.0</c>, and <c>a + b</c>, where TorchSharp passes
/// alpha = 1) is a native object that no dispose scope tracks; reusing these keeps the native heap flat
/// (docs/engine-notes.md, TorchSharp).
/// </summary>
public static class CachedScalars
{
    /// <summary>1, the alpha of a plain addition.</summary>
    public static readonly Scalar One = 1.ToScalar();
}
