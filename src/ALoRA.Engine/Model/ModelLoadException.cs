namespace ALoRA.Engine.Model;

/// <summary>A model folder cannot be loaded; the message names the file, field or tensor at fault.</summary>
public sealed class ModelLoadException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ModelLoadException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
