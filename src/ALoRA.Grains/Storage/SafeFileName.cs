using System.Security.Cryptography;
using System.Text;

namespace ALoRA.Grains.Storage;

/// <summary>
/// Turns user-influenced strings (sweep ids, trial ids, trainer keys such as <c>node-a/cpu:0</c>, state names) into
/// single path segments that cannot escape a root folder and never collide, and combines them under a root.
/// </summary>
/// <remarks>
/// <para>
/// Encoding: the characters <c>[A-Za-z0-9._-]</c> are kept; every other character is written as the percent-encoded
/// bytes of its UTF-8 form with upper-case hex (<c>/</c> → <c>%2F</c>, <c>%</c> → <c>%25</c>, NUL → <c>%00</c>), so
/// no separator, drive letter or NUL survives. A leading or trailing <c>.</c> is encoded too (no <c>.</c>,
/// <c>..</c>, hidden files or Windows' trailing-dot stripping), and so is the first character of a Windows device
/// name (<c>con</c> → <c>%63on</c>, <c>lpt1.txt</c> → <c>%6Cpt1.txt</c>). The empty string becomes <c>%empty</c>,
/// which the encoding itself never produces (it only writes <c>%</c> before two upper-case hex digits).
/// </para>
/// <para>
/// Names containing an upper-case ASCII letter, and names whose encoding is longer than <see cref="MaxLength"/>
/// (truncated, never inside a <c>%XX</c>), get the suffix <c>~</c> + 16 hex digits of the SHA-256 of the original
/// string. The encoding never writes a literal <c>~</c>, so: different inputs give different names, also on
/// case-insensitive file systems (names without a suffix have only lower-case literal letters and upper-case hex).
/// </para>
/// </remarks>
internal static class SafeFileName
{
    /// <summary>Longest encoded name, suffix included (well under the 255-byte limit of common file systems).</summary>
    public const int MaxLength = 120;

    private const int HashHexLength = 16;
    private const char SuffixSeparator = '~';
    private const string Empty = "%empty";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static readonly HashSet<string> WindowsDeviceNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
        "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
        "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    };

    private static bool IsKept(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or '-';

    /// <summary>Encodes <paramref name="value"/> as one safe path segment (see the remarks on the class).</summary>
    /// <exception cref="ArgumentException"><paramref name="value"/> holds an unpaired UTF-16 surrogate.</exception>
    public static string Encode(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length == 0)
        {
            return Empty;
        }

        var builder = new StringBuilder(value.Length + 8);
        var deviceName = IsWindowsDeviceName(value);
        Span<byte> bytes = stackalloc byte[4];
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            var encode = !IsKept(c)
                         || (c == '.' && (i == 0 || i == value.Length - 1))
                         || (i == 0 && deviceName);
            if (!encode)
            {
                builder.Append(c);
                continue;
            }

            var charCount = char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]) ? 2 : 1;
            int written;
            try
            {
                written = StrictUtf8.GetBytes(value.AsSpan(i, charCount), bytes);
            }
            catch (EncoderFallbackException ex)
            {
                throw new ArgumentException($"'{value}' holds an unpaired UTF-16 surrogate at position {i}; it cannot name a file", nameof(value), ex);
            }

            foreach (var b in bytes[..written])
            {
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }

            i += charCount - 1;
        }

        var needsSuffix = builder.Length > MaxLength || value.Any(c => c is >= 'A' and <= 'Z');
        if (!needsSuffix)
        {
            return builder.ToString();
        }

        var keep = Math.Min(builder.Length, MaxLength - HashHexLength - 1);
        // Never cut a %XX triple: a '%' in the last two kept characters starts a triple that would be cut.
        for (var j = Math.Max(0, keep - 2); j < keep; j++)
        {
            if (builder[j] == '%')
            {
                keep = j;
                break;
            }
        }

        return string.Concat(builder.ToString(0, keep), SuffixSeparator.ToString(), Hash(value));
    }

    /// <summary>
    /// The full path of <paramref name="segments"/> (each encoded with <see cref="Encode"/>) under
    /// <paramref name="root"/>; the last segment gets <paramref name="extension"/> appended.
    /// </summary>
    /// <exception cref="ArgumentException">The result would not lie strictly inside <paramref name="root"/>.</exception>
    public static string PathUnder(string root, string extension, params ReadOnlySpan<string> segments)
    {
        var fullRoot = FullRoot(root);
        var parts = new string[segments.Length + 1];
        parts[0] = fullRoot;
        for (var i = 0; i < segments.Length; i++)
        {
            parts[i + 1] = Encode(segments[i]);
        }

        if (segments.Length > 0)
        {
            parts[^1] += extension;
        }

        var path = Path.GetFullPath(Path.Combine(parts));
        EnsureInside(fullRoot, path);
        return path;
    }

    /// <summary>
    /// The string <see cref="Encode"/> turned into <paramref name="name"/>; false for names with a hash suffix (the
    /// original cannot be recovered from them) and for names <see cref="Encode"/> never writes.
    /// </summary>
    public static bool TryDecode(string name, out string value)
    {
        ArgumentNullException.ThrowIfNull(name);
        value = "";
        if (name == Empty)
        {
            return true;
        }

        if (name.Length == 0 || name.Contains(SuffixSeparator, StringComparison.Ordinal))
        {
            return false;
        }

        var bytes = new List<byte>(name.Length);
        for (var i = 0; i < name.Length; i++)
        {
            if (name[i] != '%')
            {
                if (!IsKept(name[i]))
                {
                    return false;
                }

                bytes.Add((byte)name[i]);
                continue;
            }

            if (i + 2 >= name.Length || !byte.TryParse(name.AsSpan(i + 1, 2), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var b))
            {
                return false;
            }

            bytes.Add(b);
            i += 2;
        }

        try
        {
            value = StrictUtf8.GetString([.. bytes]);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        return Encode(value) == name;
    }

    /// <summary>The absolute form of <paramref name="root"/>, without a trailing separator.</summary>
    public static string FullRoot(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        return Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
    }

    /// <summary>Throws unless <paramref name="path"/> (absolute) lies strictly inside <paramref name="fullRoot"/>.</summary>
    public static void EnsureInside(string fullRoot, string path)
    {
        var comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var prefix = fullRoot.EndsWith(Path.DirectorySeparatorChar) ? fullRoot : fullRoot + Path.DirectorySeparatorChar;
        if (!path.StartsWith(prefix, comparison) || path.Length == prefix.Length)
        {
            throw new ArgumentException($"'{path}' is not inside '{fullRoot}'; refusing to touch it");
        }
    }

    private static bool IsWindowsDeviceName(string value)
    {
        var dot = value.IndexOf('.');
        var stem = (dot < 0 ? value : value[..dot]).TrimEnd(' ');
        return WindowsDeviceNames.Contains(stem);
    }

    private static string Hash(string value)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(value), hash);
        return Convert.ToHexStringLower(hash[..(HashHexLength / 2)]);
    }
}
