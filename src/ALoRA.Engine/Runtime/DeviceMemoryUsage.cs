using System.Runtime.InteropServices;

namespace ALoRA.Engine.Runtime;

/// <summary>
/// The memory a training run occupies on its device (docs/engine-notes.md, "Device memory"): on CPU the process's resident
/// set (<see cref="ProcessMemory"/>); on CUDA the device's used memory (total minus free) read through the CUDA driver's
/// <c>cuMemGetInfo</c> in the device's primary context. TorchSharp 0.107 exposes neither
/// <c>torch.cuda.memory_allocated</c> nor <c>memory_reserved</c> (its <c>torch.cuda</c> has is_available,
/// device_count, manual_seed and synchronize only), so on CUDA the figure is the device's, as <c>nvidia-smi</c> shows it:
/// the caching allocator's reserved memory plus the CUDA context, and anything other processes hold on that GPU.
/// </summary>
public static class DeviceMemoryUsage
{
    private const int CudaSuccess = 0;
    private static readonly Lazy<CudaDriver?> Driver = new(CudaDriver.TryLoad);

    /// <summary>
    /// Bytes in use on <paramref name="device"/> now: resident bytes of this process for <c>cpu</c>, the GPU's used bytes for
    /// <c>cuda:N</c>; null when a CUDA device's memory cannot be read (no driver library, or the call failed).
    /// </summary>
    /// <param name="device">A torch device name (<c>cpu</c>, <c>cuda:0</c>).</param>
    public static long? UsedBytes(string device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (!IsCuda(device, out var index))
        {
            return ProcessMemory.ResidentBytes();
        }

        return Driver.Value?.UsedBytes(index);
    }

    /// <summary>True for <c>cuda</c> and <c>cuda:N</c> (<paramref name="index"/> is N, 0 without one).</summary>
    /// <param name="device">A torch device name.</param>
    /// <param name="index">The CUDA device index.</param>
    public static bool IsCuda(string device, out int index)
    {
        index = 0;
        ArgumentNullException.ThrowIfNull(device);
        if (!device.StartsWith("cuda", StringComparison.Ordinal))
        {
            return false;
        }

        var colon = device.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 || int.TryParse(device.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out index);
    }

    /// <summary>The CUDA driver API entry points used here (C ABI, stable across driver versions).</summary>
    private sealed unsafe class CudaDriver
    {
        private readonly nint _deviceGetPtr;
        private readonly nint _retain;
        private readonly nint _release;
        private readonly nint _push;
        private readonly nint _pop;
        private readonly nint _memGetInfo;

        private CudaDriver(nint library)
        {
            _deviceGetPtr = NativeLibrary.GetExport(library, "cuDeviceGet");
            _retain = NativeLibrary.GetExport(library, "cuDevicePrimaryCtxRetain");
            _release = NativeLibrary.GetExport(library, "cuDevicePrimaryCtxRelease_v2");
            _push = NativeLibrary.GetExport(library, "cuCtxPushCurrent_v2");
            _pop = NativeLibrary.GetExport(library, "cuCtxPopCurrent_v2");
            _memGetInfo = NativeLibrary.GetExport(library, "cuMemGetInfo_v2");
        }

        public static CudaDriver? TryLoad()
        {
            try
            {
                return NativeLibrary.TryLoad("libcuda.so.1", out var library) ? new CudaDriver(library) : null;
            }
            catch (EntryPointNotFoundException)
            {
                return null;
            }
        }

        public long? UsedBytes(int ordinal)
        {
            int device;
            nint context;
            if (((delegate* unmanaged<int*, int, int>)_deviceGetPtr)(&device, ordinal) != CudaSuccess
                || ((delegate* unmanaged<nint*, int, int>)_retain)(&context, device) != CudaSuccess)
            {
                return null;
            }

            try
            {
                if (((delegate* unmanaged<nint, int>)_push)(context) != CudaSuccess)
                {
                    return null;
                }

                try
                {
                    nuint free, total;
                    return ((delegate* unmanaged<nuint*, nuint*, int>)_memGetInfo)(&free, &total) == CudaSuccess ? (long)(total - free) : null;
                }
                finally
                {
                    nint popped;
                    _ = ((delegate* unmanaged<nint*, int>)_pop)(&popped);
                }
            }
            finally
            {
                _ = ((delegate* unmanaged<int, int>)_release)(device);
            }
        }
    }
}
