using ALoRA.Cli.Rendering;

namespace ALoRA.Cli.Tests.Rendering;

public sealed class AllocationHeatmapChartTests : IClassFixture<TempDirectory>
{
    private readonly TempDirectory _folder;

    public AllocationHeatmapChartTests(TempDirectory folder) => _folder = folder;

    [Fact]
    public void Write_ValidPngOfRequestedSizeWithManyColours()
    {
        var path = _folder.PathOf("sub/heatmap.png");

        AllocationHeatmapChart.Write(path, "Final allocation", Allocations.Llama(4), 700, 500);

        using var png = PngProbe.Open(path);
        Assert.Equal(700, png.HeaderWidth);
        Assert.Equal(500, png.HeaderHeight);
        Assert.Equal(700, png.Bitmap.Width);
        Assert.True(png.SaturatedColors() >= 8, $"only {png.SaturatedColors()} chart colours");
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp"));
    }

    [Fact]
    public void Write_AutoSizeGrowsWithLayers()
    {
        var path = _folder.PathOf("heatmap-32.png");

        AllocationHeatmapChart.Write(path, "32 layers", Allocations.Llama(32));

        using var png = PngProbe.Open(path);
        Assert.Equal(890, png.HeaderWidth);
        Assert.Equal(150 + (24 * 32), png.HeaderHeight);
    }

    [Fact]
    public void Write_TitleTextIsDrawn()
    {
        var one = _folder.PathOf("title-one.png");
        var two = _folder.PathOf("title-two.png");

        AllocationHeatmapChart.Write(one, "Allocation HHHH", Allocations.Llama(3), 640, 400);
        AllocationHeatmapChart.Write(two, "Allocation IIII", Allocations.Llama(3), 640, 400);

        using var a = PngProbe.Open(one);
        using var b = PngProbe.Open(two);
        var rows = PngProbe.DifferingRows(a, b);
        Assert.NotEmpty(rows);
        Assert.True(rows.Max() < 50, $"charts differ below the title band, at row {rows.Max()}");
        Assert.True(a.DarkPixels(0, 50) > 100, $"only {a.DarkPixels(0, 50)} dark pixels in the title band");
    }

    [Fact]
    public void Write_CellLabelsAreDrawn()
    {
        // Same colours (a single rank, so a single colour), different numbers in the cells.
        var five = new Dictionary<string, int> { ["model.layers.0.self_attn.q_proj"] = 5, ["model.layers.1.self_attn.q_proj"] = 5 };
        var seven = new Dictionary<string, int> { ["model.layers.0.self_attn.q_proj"] = 7, ["model.layers.1.self_attn.q_proj"] = 7 };
        var a = _folder.PathOf("cells-5.png");
        var b = _folder.PathOf("cells-7.png");

        AllocationHeatmapChart.Write(a, "", five, 500, 400);
        AllocationHeatmapChart.Write(b, "", seven, 500, 400);

        using var pa = PngProbe.Open(a);
        using var pb = PngProbe.Open(b);
        Assert.NotEmpty(PngProbe.DifferingRows(pa, pb));
    }

    [Fact]
    public void Write_EmptyAllocationStillWritesAChart()
    {
        var path = _folder.PathOf("empty.png");

        AllocationHeatmapChart.Write(path, "nothing", new Dictionary<string, int>(), 400, 300);

        using var png = PngProbe.Open(path);
        Assert.Equal(400, png.HeaderWidth);
        Assert.True(png.DarkPixels(0, 300) > 50);
    }
}
