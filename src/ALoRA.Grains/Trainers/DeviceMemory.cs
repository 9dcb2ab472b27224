using System.Globalization;
using ALoRA.Grains.Hosting;

namespace ALoRA.Grains.Trainers;

/// <summary>
/// The memory each of a silo's devices registers with the scheduler (docs/operations.md, <c>Alora:Trainers:DeviceMemory</c>):
/// the setting when given; else, for CPU trainers, this machine's memory. Each CPU trainer registers all of it: the check
/// at submit refuses a trial that could not run even alone; trials running at once on several CPU trainers share it. A
/// CUDA device without the setting is an error: the CPU build of TorchSharp cannot read a GPU's memory.
/// </summary>
public static class DeviceMemory
{
    /// <summary>Memory per device, by device name (<c>cpu:0</c>, <c>cuda:1</c>).</summary>
    /// <param name="devices">This silo's devices.</param>
    /// <param name="options">The trainer settings.</param>
    /// <exception cref="InvalidOperationException">A CUDA device and no <c>DeviceMemory</c> setting.</exception>
    public static Dictionary<string, long> For(IReadOnlyList<string> devices, AloraTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(devices);
        ArgumentNullException.ThrowIfNull(options);
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        if (options.DeviceMemory is { } setting)
        {
            if (!MemorySize.TryParse(setting, out var each))
            {
                throw new InvalidOperationException($"{AloraTrainerOptions.Section}:DeviceMemory = '{setting}' is not a memory size");
            }

            foreach (var device in devices)
            {
                result[device] = each;
            }

            return result;
        }

        foreach (var device in devices)
        {
            result[device] = device.StartsWith("cpu", StringComparison.Ordinal)
                ? MachineBytes()
                : throw new InvalidOperationException(
                    $"{AloraTrainerOptions.Section}:DeviceMemory is required: this silo trains on {device}, whose memory cannot be read here (set the memory of each device, such as 80GiB)");
        }

        return result;
    }

    /// <summary>
    /// This machine's memory as the process may use it: the lower of <c>/proc/meminfo</c> MemTotal and the cgroup's
    /// limit (v2 <c>memory.max</c>, v1 <c>memory.limit_in_bytes</c>; a container's limit is usually the lower); the
    /// GC's view of available memory where neither can be read.
    /// </summary>
    public static long MachineBytes()
    {
        var total = MemTotal();
        foreach (var limit in new[] { "/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes" }.Select(ReadLimit))
        {
            if (limit is { } l && (total is null || l < total))
            {
                total = l;
            }
        }

        return total ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
    }

    private static long? MemTotal()
    {
        try
        {
            var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            var parts = line?["MemTotal:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return parts is { Length: > 0 } && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kib) ? kib * 1024 : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>A cgroup limit in bytes; null when absent, unlimited (<c>max</c>, or v1's huge sentinel) or unreadable.</summary>
    private static long? ReadLimit(string path)
    {
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }

            var text = File.ReadAllText(path).Trim();
            return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) && bytes is > 0 and < long.MaxValue / 2 ? bytes : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
