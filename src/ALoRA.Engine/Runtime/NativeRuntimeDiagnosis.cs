using System.Text;

namespace ALoRA.Engine.Runtime;

/// <summary>
/// Explains why TorchSharp 0.107 could not load: its native <c>libLibTorchSharp.so</c> is built with GCC 13
/// and needs the libstdc++ symbol version <see cref="RequiredGlibcxx"/>.
/// </summary>
public static class NativeRuntimeDiagnosis
{
    /// <summary>The libstdc++ symbol version TorchSharp 0.107's native library needs.</summary>
    public const string RequiredGlibcxx = "GLIBCXX_3.4.32";

    /// <summary>Where libstdc++ usually lives on Linux distributions.</summary>
    public static readonly IReadOnlyList<string> DefaultLibstdcxxPaths =
    [
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6",
        "/usr/lib/libstdc++.so.6",
    ];

    /// <summary>
    /// Builds the message for a failed initialisation: the missing symbol version when the given libstdc++
    /// lacks it, otherwise the original error; always with the fix.
    /// </summary>
    public static string Explain(Exception failure, string? libstdcxxPath = null)
    {
        var root = failure;
        while (root.InnerException is not null)
        {
            root = root.InnerException;
        }

        var sb = new StringBuilder("TorchSharp could not initialise its native runtime (libtorch 2.10). ");
        libstdcxxPath ??= DefaultLibstdcxxPaths.FirstOrDefault(File.Exists);
        if (OperatingSystem.IsLinux() && libstdcxxPath is not null && !ContainsSymbolVersion(libstdcxxPath, RequiredGlibcxx))
        {
            sb.Append($"Cause: libLibTorchSharp.so needs {RequiredGlibcxx}, and {libstdcxxPath} does not provide it ")
              .Append("(it comes with GCC 13 or newer; Debian 12 ships GCC 12's libstdc++). ")
              .Append("Fix: run 'make setup' (or scripts/ensure-native-runtime.sh) as root, which on Debian 12 installs ")
              .Append("libstdc++6 from Debian 13 (trixie, pinned at priority 100); elsewhere install a GCC 13+ libstdc++6 ")
              .Append("or use a newer distribution (Debian 13, Ubuntu 24.04). ");
        }
        else
        {
            sb.Append("Fix: check that the TorchSharp-cpu (or, built with -p:TorchBackend=cuda, TorchSharp-cuda-linux) ")
              .Append("package restored and that its native libraries are next to the application. ");
        }

        sb.Append($"Original error: {root.GetType().Name}: {root.Message}");
        return sb.ToString();
    }

    /// <summary>True when the binary file contains the given symbol version string.</summary>
    public static bool ContainsSymbolVersion(string binaryPath, string version)
    {
        var needle = Encoding.ASCII.GetBytes(version);
        var data = File.ReadAllBytes(binaryPath);
        var span = data.AsSpan();
        while (true)
        {
            var i = span.IndexOf(needle);
            if (i < 0)
            {
                return false;
            }

            // Require a terminator so GLIBCXX_3.4.3 does not match GLIBCXX_3.4.32.
            var end = i + needle.Length;
            if (end >= span.Length || span[end] == 0)
            {
                return true;
            }

            span = span[(i + 1)..];
        }
    }
}
