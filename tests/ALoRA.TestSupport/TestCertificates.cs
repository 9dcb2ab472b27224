using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ALoRA.TestSupport;

/// <summary>
/// A certificate authority made for a test (ECDSA P-256, valid for a day) that issues leaf certificates for servers and
/// clients alike (127.0.0.1 and localhost), written as PEM files the way a Kubernetes secret would mount them.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private readonly ECDsa _key;
    private readonly X509Certificate2 _authority;
    private readonly string _folder;

    private TestCertificates(string folder, string name)
    {
        _folder = folder;
        Directory.CreateDirectory(folder);
        _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", _key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        _authority = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        CaFile = Path.Combine(folder, "ca.pem");
        File.WriteAllText(CaFile, _authority.ExportCertificatePem());
    }

    /// <summary>The authority's certificate (PEM).</summary>
    public string CaFile { get; }

    /// <summary>A new authority named <paramref name="name"/> with its files under <paramref name="folder"/>.</summary>
    public static TestCertificates CreateAuthority(string folder, string name) => new(folder, name);

    /// <summary>Issues a certificate named <paramref name="name"/>; returns its certificate and key files (PEM).</summary>
    public (string CertificateFile, string KeyFile) Issue(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_authority, true, false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var certificate = request.Create(_authority, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(12), serial);
        var certificateFile = Path.Combine(_folder, $"{name}.pem");
        var keyFile = Path.Combine(_folder, $"{name}.key");
        File.WriteAllText(certificateFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (certificateFile, keyFile);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _authority.Dispose();
        _key.Dispose();
    }
}
