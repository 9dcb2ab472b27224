using ALoRA.Abstractions.Security;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace ALoRA.Grains.Security;

/// <summary>
/// Validates <see cref="AloraSecurityOptions"/> at start: the token file exists and holds a long enough token; the TLS
/// files are all set, exist, are PEM, the key belongs to the certificate and the certificate chains to the authority.
/// Every message names its setting.
/// </summary>
public sealed class AloraSecurityOptionsValidator : IValidateOptions<AloraSecurityOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, AloraSecurityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.ClientTokenFile))
        {
            var key = AloraSecurityOptions.Key(nameof(options.ClientTokenFile));
            if (ReadFile(key, options.ClientTokenFile, errors) && ClientTokenSecret.Read(options.ClientTokenFile) is { } problem)
            {
                errors.Add($"{key} = '{options.ClientTokenFile}': {problem}");
            }
        }

        if (options.Tls.Enabled)
        {
            ValidateTls(options.Tls, errors);
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidateTls(AloraTlsOptions tls, List<string> errors)
    {
        var certKey = AloraSecurityOptions.Key("Tls:CertificateFile");
        var keyKey = AloraSecurityOptions.Key("Tls:KeyFile");
        var caKey = AloraSecurityOptions.Key("Tls:CaFile");
        var count = errors.Count;
        foreach (var (key, file) in new[] { (certKey, tls.CertificateFile), (keyKey, tls.KeyFile), (caKey, tls.CaFile) })
        {
            if (string.IsNullOrWhiteSpace(file))
            {
                errors.Add($"{key} is required when any of {AloraSecurityOptions.Section}:Tls:* is set (TLS needs the certificate, its key and the CA)");
            }
            else
            {
                ReadFile(key, file, errors);
            }
        }

        if (errors.Count > count)
        {
            return;
        }

        System.Security.Cryptography.X509Certificates.X509Certificate2 authority;
        try
        {
            authority = TlsFiles.LoadAuthority(tls.CaFile!);
        }
        catch (CryptographicException ex)
        {
            errors.Add($"{caKey} = '{tls.CaFile}' is not a PEM certificate: {ex.Message}");
            return;
        }

        using (authority)
        {
            try
            {
                using var certificate = TlsFiles.LoadCertificate(tls.CertificateFile!, tls.KeyFile!);
                if (!TlsFiles.ChainsTo(certificate, authority))
                {
                    errors.Add($"{certKey} = '{tls.CertificateFile}' does not chain to the CA of {caKey} = '{tls.CaFile}' (or is expired)");
                }
            }
            catch (CryptographicException ex)
            {
                errors.Add($"{keyKey} = '{tls.KeyFile}' is not the PEM private key of {certKey} = '{tls.CertificateFile}': {ex.Message}");
            }
        }
    }

    /// <summary>True when <paramref name="file"/> exists and can be read; else an error naming <paramref name="key"/>.</summary>
    private static bool ReadFile(string key, string file, List<string> errors)
    {
        try
        {
            using var stream = File.OpenRead(file);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            errors.Add($"{key} = '{file}' cannot be read: {ex.Message}");
            return false;
        }
    }
}
