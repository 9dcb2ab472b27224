using ALoRA.Cli.Rendering;

namespace ALoRA.Cli.Tests.Rendering;

public sealed class LossCurvesChartTests : IClassFixture<TempDirectory>
{
    private readonly TempDirectory _folder;

    public LossCurvesChartTests(TempDirectory folder) => _folder = folder;

    private static List<(string Label, IReadOnlyList<double> StepLosses, IReadOnlyList<(int Step, double DevLoss)> Dev)> Curves()
    {
        var random = new Random(7);
        IReadOnlyList<double> Losses(double scale) =>
            Enumerable.Range(1, 300).Select(s => (scale * Math.Exp(-s / 80.0)) + 0.4 + (0.2 * random.NextDouble())).ToList();
        return
        [
            ("lora r=8", Losses(2.0), [(100, 0.9), (200, 0.7), (300, 0.65)]),
            ("alora r=8", Losses(2.5), [(100, 0.85), (200, 0.66), (300, 0.6)]),
            ("diverged", [1.0, double.NaN, double.PositiveInfinity, 0.9], []),
        ];
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.9)]
    public void Write_ValidPngWithOneColourPerTrial(double smoothing)
    {
        var path = _folder.PathOf($"loss-{smoothing}.png");

        LossCurvesChart.Write(path, "Loss", Curves(), smoothing, 900, 450);

        using var png = PngProbe.Open(path);
        Assert.Equal(900, png.HeaderWidth);
        Assert.Equal(450, png.HeaderHeight);
        Assert.True(png.SaturatedColors() >= 3, $"only {png.SaturatedColors()} chart colours");
    }

    [Fact]
    public void Write_TitleTextIsDrawn()
    {
        var one = _folder.PathOf("loss-title-one.png");
        var two = _folder.PathOf("loss-title-two.png");

        LossCurvesChart.Write(one, "Loss HHHH", Curves(), 0.5, 800, 400);
        LossCurvesChart.Write(two, "Loss IIII", Curves(), 0.5, 800, 400);

        using var a = PngProbe.Open(one);
        using var b = PngProbe.Open(two);
        var rows = PngProbe.DifferingRows(a, b);
        Assert.NotEmpty(rows);
        Assert.True(rows.Max() < 50, $"charts differ below the title band, at row {rows.Max()}");
    }

    [Fact]
    public void Write_SmoothingOutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LossCurvesChart.Write(_folder.PathOf("bad.png"), "", Curves(), 1.0));
    }
}
