namespace ALoRA.Abstractions.Grains;

/// <summary>A client called a method marked <see cref="SiloOnlyAttribute"/>; the call was refused before the grain ran it.</summary>
[GenerateSerializer, Alias("alora.SiloOnlyException")]
public sealed class SiloOnlyException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SiloOnlyException()
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public SiloOnlyException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and its cause.</summary>
    public SiloOnlyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
