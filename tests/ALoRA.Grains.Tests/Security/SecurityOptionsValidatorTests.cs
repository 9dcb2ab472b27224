using ALoRA.Grains.Security;

namespace ALoRA.Grains.Tests.Security;

/// <summary>The <c>Alora:Security</c> settings are checked at start; every message names its key (docs/operations.md).</summary>
public sealed class SecurityOptionsValidatorTests : IDisposable
{
    private readonly TempDirectory _dir = TempDirectory.Create("security-options");

    [Fact]
    public void NothingSet_IsValid() => Assert.True(Validate(new AloraSecurityOptions()).Succeeded);

    [Fact]
    public void TokenFile_MissingOrShort_NamesTheKey()
    {
        var missing = Validate(new AloraSecurityOptions { ClientTokenFile = _dir.PathOf("nope") });
        Assert.Contains(missing.Failures!, f => f.StartsWith("Alora:Security:ClientTokenFile", StringComparison.Ordinal));
        File.WriteAllText(_dir.PathOf("short"), "abc\n");
        var shortToken = Validate(new AloraSecurityOptions { ClientTokenFile = _dir.PathOf("short") });
        Assert.Contains(shortToken.Failures!, f => f.StartsWith("Alora:Security:ClientTokenFile", StringComparison.Ordinal) && f.Contains("at least 16", StringComparison.Ordinal));
        File.WriteAllText(_dir.PathOf("good"), "0123456789abcdef0123\n");
        Assert.True(Validate(new AloraSecurityOptions { ClientTokenFile = _dir.PathOf("good") }).Succeeded);
    }

    [Fact]
    public void Tls_KeyOfAnotherCertificate_CertOfAnotherCa_OrAFileMissing_NamesTheKey()
    {
        using var ca = TestCertificates.CreateAuthority(_dir.PathOf("ca"), "ca");
        using var other = TestCertificates.CreateAuthority(_dir.PathOf("other"), "other");
        var (cert, key) = ca.Issue("silo");
        var (_, otherKey) = ca.Issue("other-silo");
        var (foreignCert, foreignKey) = other.Issue("foreign");

        Assert.True(Validate(Tls(cert, key, ca.CaFile)).Succeeded);
        Assert.Contains(Validate(Tls(cert, otherKey, ca.CaFile)).Failures!, f => f.StartsWith("Alora:Security:Tls:KeyFile", StringComparison.Ordinal));
        Assert.Contains(Validate(Tls(foreignCert, foreignKey, ca.CaFile)).Failures!, f => f.StartsWith("Alora:Security:Tls:CertificateFile", StringComparison.Ordinal) && f.Contains("does not chain", StringComparison.Ordinal));
        Assert.Contains(Validate(Tls(cert, key, _dir.PathOf("missing.pem"))).Failures!, f => f.StartsWith("Alora:Security:Tls:CaFile", StringComparison.Ordinal));
        Assert.Contains(Validate(Tls(cert, null, ca.CaFile)).Failures!, f => f.StartsWith("Alora:Security:Tls:KeyFile is required", StringComparison.Ordinal));
    }

    public void Dispose() => _dir.Dispose();

    private static AloraSecurityOptions Tls(string? cert, string? key, string? ca) => new() { Tls = new AloraTlsOptions { CertificateFile = cert, KeyFile = key, CaFile = ca } };

    private static Microsoft.Extensions.Options.ValidateOptionsResult Validate(AloraSecurityOptions options) => new AloraSecurityOptionsValidator().Validate(null, options);
}
