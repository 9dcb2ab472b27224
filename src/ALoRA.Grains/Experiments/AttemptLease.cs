using System.Security.Cryptography;
using System.Text;

namespace ALoRA.Grains.Experiments;

/// <summary>An attempt's lease: 128 random bits drawn when the attempt is handed out, compared in constant time.</summary>
internal static class AttemptLease
{
    /// <summary>A new lease: 16 bytes from <see cref="RandomNumberGenerator"/>, as 32 lower-case hex digits.</summary>
    public static string New() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>True when <paramref name="presented"/> is <paramref name="stored"/>; never true without a stored lease.</summary>
    public static bool Matches(string? stored, string? presented) =>
        stored is not null && presented is not null
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(stored), Encoding.UTF8.GetBytes(presented));
}
