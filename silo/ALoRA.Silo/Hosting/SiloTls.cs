using System.Security.Cryptography.X509Certificates;
using ALoRA.Abstractions.Security;
using ALoRA.Grains.Security;
using Orleans.Configuration;
using Orleans.Connections.Security;

namespace ALoRA.Silo.Hosting;

/// <summary>
/// TLS of the silo process from <c>Alora:Security:Tls</c> (docs/security.md): silo-to-silo connections are mutual TLS
/// (both sides present a certificate chained to the CA), gateway connections are TLS (a client certificate is optional,
/// one that is presented must chain to the CA). The files are validated at start
/// (<see cref="AloraSecurityOptionsValidator"/>) and loaded when the first connection is set up.
/// </summary>
public static class SiloTls
{
    /// <summary>Turns TLS on for <paramref name="silo"/> when <paramref name="tls"/> names files; else does nothing.</summary>
    public static void Configure(ISiloBuilder silo, AloraTlsOptions tls)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(tls);
        if (!tls.Enabled)
        {
            return;
        }

        var files = new Lazy<(X509Certificate2 Certificate, X509Certificate2 Authority)>(() =>
            (TlsFiles.LoadCertificate(tls.CertificateFile!, tls.KeyFile!), TlsFiles.LoadAuthority(tls.CaFile!)));
        silo.Configure<SiloConnectionOptions>(connections =>
        {
            connections.ConfigureSiloInboundConnection(c => c.UseServerTls(Options(files.Value, RemoteCertificateMode.RequireCertificate)));
            connections.ConfigureSiloOutboundConnection(c => c.UseClientTls(Options(files.Value, RemoteCertificateMode.RequireCertificate)));
            connections.ConfigureGatewayInboundConnection(c => c.UseServerTls(Options(files.Value, RemoteCertificateMode.AllowCertificate)));
        });
    }

    private static TlsOptions Options((X509Certificate2 Certificate, X509Certificate2 Authority) files, RemoteCertificateMode remote) => new()
    {
        LocalCertificate = files.Certificate,
        RemoteCertificateMode = remote,
        // Trust is the cluster's own CA only (host names are not compared: silos are reached by IP).
        RemoteCertificateValidation = (certificate, _, _) => TlsFiles.ChainsTo(certificate, files.Authority),
    };
}
