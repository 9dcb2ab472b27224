namespace ALoRA.Engine.SafeTensors;

/// <summary>A safetensors file (or a model folder's weights) is malformed; the message names the file and tensor.</summary>
public sealed class SafeTensorsFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SafeTensorsFormatException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
