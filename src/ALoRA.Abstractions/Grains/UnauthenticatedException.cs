namespace ALoRA.Abstractions.Grains;

/// <summary>
/// The cluster requires the client token (<c>Alora:Security:ClientTokenFile</c>) and the call carried none or a wrong one;
/// the call was refused before the grain ran it. The <c>alora</c> CLI exits with code 7 (docs/security.md).
/// </summary>
[GenerateSerializer, Alias("alora.UnauthenticatedException")]
public sealed class UnauthenticatedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public UnauthenticatedException()
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public UnauthenticatedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and its cause.</summary>
    public UnauthenticatedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
