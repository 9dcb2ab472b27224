using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ALoRA.Abstractions.Security;
using Orleans.Connections.Security;

namespace ALoRA.Cli.Connection;

/// <summary>
/// What the CLI proves to a secured cluster (docs/security.md): the client token, sent with every call, and TLS (the CA
/// the gateway's certificate must chain to; a client certificate for mutual TLS). Files are read when the CLI connects.
/// </summary>
/// <param name="TokenFile">File holding the token (<c>--token-file</c>, <c>ALORA_TOKEN_FILE</c>).</param>
/// <param name="Token">The token itself (<c>ALORA_TOKEN</c>), used when no file is given.</param>
/// <param name="TlsCa">PEM CA file (<c>--tls-ca</c>, <c>ALORA_TLS_CA</c>).</param>
/// <param name="TlsCert">PEM client certificate (<c>--tls-cert</c>, <c>ALORA_TLS_CERT</c>).</param>
/// <param name="TlsKey">PEM key of <paramref name="TlsCert"/> (<c>--tls-key</c>, <c>ALORA_TLS_KEY</c>).</param>
internal sealed record ClientSecurity(string? TokenFile, string? Token, string? TlsCa, string? TlsCert, string? TlsKey)
{
    /// <summary>Environment variable naming the token file.</summary>
    public const string TokenFileVariable = "ALORA_TOKEN_FILE";

    /// <summary>Environment variable holding the token.</summary>
    public const string TokenVariable = "ALORA_TOKEN";

    /// <summary>Environment variable naming the CA file.</summary>
    public const string TlsCaVariable = "ALORA_TLS_CA";

    /// <summary>Environment variable naming the client certificate file.</summary>
    public const string TlsCertVariable = "ALORA_TLS_CERT";

    /// <summary>Environment variable naming the client key file.</summary>
    public const string TlsKeyVariable = "ALORA_TLS_KEY";

    /// <summary>No token, no TLS.</summary>
    public static ClientSecurity None { get; } = new(null, null, null, null, null);

    /// <summary>True when TLS is asked for (a CA or a client certificate).</summary>
    public bool UsesTls => !string.IsNullOrWhiteSpace(TlsCa) || !string.IsNullOrWhiteSpace(TlsCert) || !string.IsNullOrWhiteSpace(TlsKey);

    /// <summary>The token to send, or null.</summary>
    /// <exception cref="ArgumentException">The token file cannot be read or is empty (exit code 2).</exception>
    public string? ReadToken()
    {
        if (!string.IsNullOrWhiteSpace(TokenFile))
        {
            string token;
            try
            {
                token = File.ReadAllText(TokenFile).Trim();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new ArgumentException($"--token-file '{TokenFile}' cannot be read: {ex.Message}", ex);
            }

            return token.Length > 0 ? token : throw new ArgumentException($"--token-file '{TokenFile}' is empty");
        }

        return string.IsNullOrWhiteSpace(Token) ? null : Token.Trim();
    }

    /// <summary>
    /// Reads the TLS files now and returns what configures the client's <see cref="TlsOptions"/>: the client certificate,
    /// and trust in the CA only (the gateway's certificate must chain to it; host names are not compared).
    /// </summary>
    /// <exception cref="ArgumentException">A file cannot be read, is not PEM, or the key does not match (exit code 2).</exception>
    public Action<TlsOptions> LoadTls()
    {
        X509Certificate2? certificate = null;
        X509Certificate2? authority = null;
        if (string.IsNullOrWhiteSpace(TlsCert) != string.IsNullOrWhiteSpace(TlsKey))
        {
            throw new ArgumentException("--tls-cert and --tls-key go together (the client certificate and its key)");
        }

        if (!string.IsNullOrWhiteSpace(TlsCert))
        {
            certificate = Load("--tls-cert/--tls-key", $"{TlsCert}, {TlsKey}", () => TlsFiles.LoadCertificate(TlsCert, TlsKey!));
        }

        if (!string.IsNullOrWhiteSpace(TlsCa))
        {
            authority = Load("--tls-ca", TlsCa, () => TlsFiles.LoadAuthority(TlsCa));
        }

        return tls =>
        {
            tls.LocalCertificate = certificate;
            if (authority is not null)
            {
                tls.RemoteCertificateValidation = (remote, _, _) => TlsFiles.ChainsTo(remote, authority);
            }
        };
    }

    private static X509Certificate2 Load(string option, string files, Func<X509Certificate2> load)
    {
        try
        {
            return load();
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"{option} '{files}': {ex.Message}", ex);
        }
    }
}
