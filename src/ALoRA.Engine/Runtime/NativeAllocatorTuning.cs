using System.Runtime.InteropServices;

namespace ALoRA.Engine.Runtime;

/// <summary>
/// Tunes glibc's allocator for tensor workloads through its documented <c>mallopt</c> interface: large blocks
/// (up to 32 MiB) come from the heap instead of fresh <c>mmap</c>s, and freed memory is kept (trim threshold
/// 512 MiB) instead of being returned to the kernel. libtorch's CPU allocator frees every activation and
/// gradient buffer after each step; without this, each step page-faults its buffers back in. Measured on the
/// tiny benchmark preset: 5-10 % faster steps and flat resident memory, for about 150 MB more of it retained.
/// Opt out with <c>ALORA_MALLOC_TUNING=0</c>. A no-op off Linux or without glibc.
/// </summary>
public static partial class NativeAllocatorTuning
{
    private const int MTrimThreshold = -1;
    private const int MMmapThreshold = -3;

    /// <summary>Applies the tuning once; returns true when glibc accepted it.</summary>
    public static bool Apply()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("ALORA_MALLOC_TUNING") == "0")
        {
            return false;
        }

        try
        {
            return Mallopt(MMmapThreshold, 32 << 20) == 1 && Mallopt(MTrimThreshold, 512 << 20) == 1;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "mallopt")]
    private static partial int Mallopt(int parameter, int value);
}
