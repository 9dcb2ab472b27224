namespace ALoRA.Abstractions.Grains;

/// <summary>Where the client token travels: a <c>RequestContext</c> entry on every grain call (docs/security.md).</summary>
public static class ClientToken
{
    /// <summary>The <c>RequestContext</c> key holding the token.</summary>
    public const string RequestContextKey = "alora.token";
}
