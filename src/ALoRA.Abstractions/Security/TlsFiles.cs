using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ALoRA.Abstractions.Security;

/// <summary>Loads PEM certificates and keys, and checks that a certificate chains to a given certificate authority.</summary>
public static class TlsFiles
{
    /// <summary>The certificate of <paramref name="certificateFile"/> with the private key of <paramref name="keyFile"/>.</summary>
    /// <exception cref="CryptographicException">A file is not PEM, or the key does not belong to the certificate.</exception>
    public static X509Certificate2 LoadCertificate(string certificateFile, string keyFile)
    {
        X509Certificate2 pem;
        try
        {
            pem = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
        }
        catch (ArgumentException ex)
        {
            // .NET reports a key of another certificate as an argument error.
            throw new CryptographicException(ex.Message, ex);
        }

        using (pem)
        {
            // An ephemeral key from PEM cannot be used by SslStream on every platform; a PKCS#12 round trip makes it usable.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
        }
    }

    /// <summary>The first certificate of the PEM file <paramref name="caFile"/>.</summary>
    /// <exception cref="CryptographicException">The file holds no PEM certificate.</exception>
    public static X509Certificate2 LoadAuthority(string caFile) => X509CertificateLoader.LoadCertificateFromFile(caFile);

    /// <summary>
    /// True when <paramref name="certificate"/> chains to <paramref name="authority"/> (the only trusted root; no revocation
    /// check, host names not compared: the certificate authority is the cluster's own).
    /// </summary>
    public static bool ChainsTo(X509Certificate2 certificate, X509Certificate2 authority)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(authority);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}
