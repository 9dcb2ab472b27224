namespace ALoRA.Grains.Security;

/// <summary>
/// Who may talk to the cluster (configuration section <c>Alora:Security</c>; docs/security.md): the client token and the
/// TLS files. Nothing set (the default): no token is asked for and connections are plain TCP.
/// </summary>
public sealed class AloraSecurityOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Alora:Security";

    /// <summary>
    /// File holding the shared secret every client call must carry (surrounding white space is ignored; at least 16
    /// characters). Unset: no token is asked for.
    /// </summary>
    public string? ClientTokenFile { get; set; }

    /// <summary>TLS between silos and on the gateway (<c>Alora:Security:Tls</c>).</summary>
    public AloraTlsOptions Tls { get; set; } = new();

    /// <summary>The full key of a setting of this section, e.g. <c>Alora:Security:ClientTokenFile</c>.</summary>
    public static string Key(string setting) => $"{Section}:{setting}";
}
