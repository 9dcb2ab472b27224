using System.Buffers.Binary;
using SkiaSharp;

namespace ALoRA.Cli.Tests.Rendering;

/// <summary>Reads back what the charts wrote: PNG header fields and pixels.</summary>
internal sealed class PngProbe : IDisposable
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private PngProbe(byte[] bytes, SKBitmap bitmap)
    {
        Bytes = bytes;
        Bitmap = bitmap;
    }

    public byte[] Bytes { get; }

    public SKBitmap Bitmap { get; }

    /// <summary>Checks signature and IHDR, decodes the pixels.</summary>
    public static PngProbe Open(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 33, "file too short for a PNG");
        Assert.Equal(Signature, bytes[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        var bitmap = SKBitmap.Decode(bytes);
        Assert.NotNull(bitmap);
        return new PngProbe(bytes, bitmap);
    }

    /// <summary>Width from the IHDR chunk.</summary>
    public int HeaderWidth => BinaryPrimitives.ReadInt32BigEndian(Bytes.AsSpan(16, 4));

    /// <summary>Height from the IHDR chunk.</summary>
    public int HeaderHeight => BinaryPrimitives.ReadInt32BigEndian(Bytes.AsSpan(20, 4));

    /// <summary>Distinct opaque colours in the image.</summary>
    public int DistinctColors() => Pixels(0, 0, Bitmap.Width, Bitmap.Height).Distinct().Count();

    /// <summary>Distinct colours that are clearly saturated (not grey): chart colours rather than text and axes.</summary>
    public int SaturatedColors() => Pixels(0, 0, Bitmap.Width, Bitmap.Height)
        .Where(c => Math.Max(c.Red, Math.Max(c.Green, c.Blue)) - Math.Min(c.Red, Math.Min(c.Green, c.Blue)) > 60)
        .Select(c => ((c.Red >> 4) << 8) | ((c.Green >> 4) << 4) | (c.Blue >> 4))
        .Distinct()
        .Count();

    /// <summary>Pixels darker than mid-grey in a band of rows.</summary>
    public int DarkPixels(int top, int bottom) =>
        Pixels(0, top, Bitmap.Width, bottom).Count(c => (c.Red + c.Green + c.Blue) / 3 < 100);

    /// <summary>Rows of the two images that differ (same size required).</summary>
    public static List<int> DifferingRows(PngProbe a, PngProbe b)
    {
        Assert.Equal(a.Bitmap.Width, b.Bitmap.Width);
        Assert.Equal(a.Bitmap.Height, b.Bitmap.Height);
        var rows = new List<int>();
        for (var y = 0; y < a.Bitmap.Height; y++)
        {
            for (var x = 0; x < a.Bitmap.Width; x++)
            {
                if (a.Bitmap.GetPixel(x, y) != b.Bitmap.GetPixel(x, y))
                {
                    rows.Add(y);
                    break;
                }
            }
        }

        return rows;
    }

    public void Dispose() => Bitmap.Dispose();

    private IEnumerable<SKColor> Pixels(int left, int top, int right, int bottom)
    {
        for (var y = top; y < bottom; y++)
        {
            for (var x = left; x < right; x++)
            {
                yield return Bitmap.GetPixel(x, y);
            }
        }
    }
}
