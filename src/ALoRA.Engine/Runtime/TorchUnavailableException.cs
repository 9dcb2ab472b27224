namespace ALoRA.Engine.Runtime;

/// <summary>
/// Thrown when TorchSharp's native runtime (libtorch + libLibTorchSharp) cannot be initialised.
/// The message names the cause (for example a missing <c>GLIBCXX_3.4.32</c>) and the fix.
/// </summary>
public sealed class TorchUnavailableException : Exception
{
    /// <summary>Creates the exception with a diagnosis and the original failure.</summary>
    public TorchUnavailableException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
