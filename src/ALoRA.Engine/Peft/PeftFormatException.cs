namespace ALoRA.Engine.Peft;

/// <summary>
/// A Hugging Face PEFT adapter folder cannot be used: a file is missing or malformed, <c>adapter_config.json</c>
/// asks for something this engine does not support, or the adapter tensors do not fit the model. The message names
/// the file and the field or tensor at fault.
/// </summary>
public sealed class PeftFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PeftFormatException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
