using System.Globalization;
using ALoRA.Abstractions.Sweeps;
using ScottPlot;

namespace ALoRA.Cli.Rendering;

/// <summary>What the charts share: one render at a time (ScottPlot's font state is global) and atomic PNG files.</summary>
internal static class ChartOutput
{
    private static readonly Lock RenderLock = new();

    /// <summary>Builds a plot with <paramref name="build"/>, renders it as a PNG and writes it atomically to <paramref name="path"/>.</summary>
    /// <param name="path">Target file; its folder is created if missing.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    /// <param name="build">Fills the plot.</param>
    public static void WritePng(string path, int width, int height, Action<Plot> build)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 16);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 16);
        ChartFonts.EnsureRegistered();
        byte[] png;
        lock (RenderLock)
        {
            using var plot = new Plot();
            plot.Font.Set(ChartFonts.Name);
            plot.Legend.FontName = ChartFonts.Name;
            build(plot);
            png = plot.GetImageBytes(width, height, ImageFormat.Png);
        }

        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        var temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllBytes(temp, png);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>A parameter count as 512, 12.3K, 4.19M or 1.2B.</summary>
    public static string FormatCount(double value)
    {
        var abs = Math.Abs(value);
        return abs switch
        {
            >= 1e9 => (value / 1e9).ToString("0.###", CultureInfo.InvariantCulture) + "B",
            >= 1e6 => (value / 1e6).ToString("0.###", CultureInfo.InvariantCulture) + "M",
            >= 1e3 => (value / 1e3).ToString("0.###", CultureInfo.InvariantCulture) + "K",
            _ => value.ToString("0.###", CultureInfo.InvariantCulture),
        };
    }

    /// <summary>Colour of a method: fixed for the known methods, so every chart of a sweep agrees.</summary>
    public static Color MethodColor(string method, IReadOnlyList<string> allMethods)
    {
        var palette = new ScottPlot.Palettes.Category10();
        var known = TrialMethods.All;
        for (var i = 0; i < known.Count; i++)
        {
            if (known[i] == method)
            {
                return palette.GetColor(i);
            }
        }

        var others = allMethods.Where(m => !known.Contains(m)).Distinct().Order(StringComparer.Ordinal).ToList();
        return palette.GetColor(known.Count + Math.Max(0, others.IndexOf(method)));
    }
}
