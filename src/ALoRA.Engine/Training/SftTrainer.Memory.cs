using ALoRA.Engine.Runtime;

namespace ALoRA.Engine.Training;

/// <summary>
/// The memory a run reports (docs/engine-notes.md, "Device memory"): on CPU the process's resident set (its peak from the
/// kernel); on CUDA the GPU's used bytes, sampled after every step, the peak being the highest sample.
/// </summary>
public sealed partial class SftTrainer
{
    private long _peakDeviceBytes;

    /// <summary>True when the model is on a CUDA device.</summary>
    private bool OnCuda => _device.type == TorchSharp.DeviceType.CUDA;

    /// <summary>The run's device by name (<c>cpu</c>, <c>cuda:N</c>).</summary>
    private string DeviceName => OnCuda ? $"cuda:{Math.Max(0, _device.index)}" : "cpu";

    /// <summary>Memory in use on the run's device now (see <see cref="DeviceMemoryUsage.UsedBytes"/>); tracks the CUDA peak.</summary>
    private long? SampleMemory()
    {
        var used = DeviceMemoryUsage.UsedBytes(DeviceName);
        if (used is { } bytes && bytes > _peakDeviceBytes)
        {
            _peakDeviceBytes = bytes;
        }

        return used;
    }

    /// <summary>The run's peak: the highest CUDA sample on a GPU, the process's peak resident set on CPU.</summary>
    private long PeakMemoryBytes() => OnCuda ? Math.Max(_peakDeviceBytes, SampleMemory() ?? 0) : ProcessMemory.PeakResidentBytes();
}
