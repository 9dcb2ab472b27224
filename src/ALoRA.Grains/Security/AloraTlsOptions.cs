namespace ALoRA.Grains.Security;

/// <summary>
/// TLS files of a silo (<c>Alora:Security:Tls</c>), all three or none: with them silo-to-silo connections are mutual TLS
/// (each side presents a certificate chained to <see cref="CaFile"/>) and gateway connections are TLS (a client
/// certificate is optional; one that is presented must chain to <see cref="CaFile"/>).
/// </summary>
public sealed class AloraTlsOptions
{
    /// <summary>PEM file with this silo's certificate (and its chain).</summary>
    public string? CertificateFile { get; set; }

    /// <summary>PEM file with the private key of <see cref="CertificateFile"/>.</summary>
    public string? KeyFile { get; set; }

    /// <summary>PEM file with the certificate authority that silos' and clients' certificates must chain to.</summary>
    public string? CaFile { get; set; }

    /// <summary>True when any of the files is set (TLS is asked for).</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(CertificateFile) || !string.IsNullOrWhiteSpace(KeyFile) || !string.IsNullOrWhiteSpace(CaFile);
}
