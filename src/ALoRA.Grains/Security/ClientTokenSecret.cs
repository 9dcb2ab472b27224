using System.Security.Cryptography;
using System.Text;

namespace ALoRA.Grains.Security;

/// <summary>The client token a silo expects (read once from <c>Alora:Security:ClientTokenFile</c>), compared in constant time.</summary>
public sealed class ClientTokenSecret
{
    /// <summary>Shortest token accepted.</summary>
    public const int MinimumLength = 16;

    private readonly byte[] _digest;

    /// <summary>Holds <paramref name="token"/>.</summary>
    public ClientTokenSecret(string token)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        Token = token;
        _digest = SHA256.HashData(Encoding.UTF8.GetBytes(token));
    }

    /// <summary>The token, stamped on this silo's own outgoing calls.</summary>
    public string Token { get; }

    /// <summary>
    /// True when <paramref name="presented"/> is the token. Both sides are hashed first, so the comparison takes the same
    /// time whatever the presented token's length and content.
    /// </summary>
    public bool Matches(string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(_digest, SHA256.HashData(Encoding.UTF8.GetBytes(presented)));

    /// <summary>The token in <paramref name="file"/>, white space around it removed.</summary>
    public static ClientTokenSecret FromFile(string file) => new(File.ReadAllText(file).Trim());

    /// <summary>Why the token in <paramref name="file"/> cannot be used, or null.</summary>
    public static string? Read(string file)
    {
        var token = File.ReadAllText(file).Trim();
        return token.Length < MinimumLength
            ? $"the token must be at least {MinimumLength} characters (e.g. openssl rand -hex 32), got {token.Length}"
            : token.Any(char.IsWhiteSpace) ? "the token must be one line without white space" : null;
    }
}
