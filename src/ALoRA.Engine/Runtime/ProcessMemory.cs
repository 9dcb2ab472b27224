namespace ALoRA.Engine.Runtime;

/// <summary>Resident memory of this process, read from <c>/proc/self/status</c> (Linux), else the GC's view.</summary>
public static class ProcessMemory
{
    /// <summary>Current resident set size in bytes.</summary>
    public static long ResidentBytes() => ReadStatus("VmRSS:") ?? Environment.WorkingSet;

    /// <summary>Peak resident set size in bytes since the process started.</summary>
    public static long PeakResidentBytes() => ReadStatus("VmHWM:") ?? Environment.WorkingSet;

    private static long? ReadStatus(string key)
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path))
        {
            return null;
        }

        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                var parts = line[key.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        return null;
    }
}
