using ALoRA.Abstractions.Trials;
using ALoRA.Cli.Rendering;
using ALoRA.Sweeps.Results;

namespace ALoRA.Cli.Tests.Rendering;

public sealed class MetricScatterChartTests : IClassFixture<TempDirectory>
{
    private readonly TempDirectory _folder;

    public MetricScatterChartTests(TempDirectory folder) => _folder = folder;

    private static List<ResultRow> Rows() =>
    [
        Row(0, "lora", 0.81, 4_194_304),
        Row(1, "lora", 0.83, 4_194_304),
        Row(2, "alora", 0.85, 3_100_000),
        Row(3, "alora", 0.86, 2_900_000),
        Row(4, "alora-sensi", 0.84, 3_500_000),
        new ResultRow { TrialId = "t5", Index = 5, Method = "alora", State = TrialState.Failed, Error = "oom" },
        Row(6, "lora", double.NaN, 4_194_304),
    ];

    private static ResultRow Row(int index, string method, double accuracy, long parameters) => new()
    {
        TrialId = $"t{index}",
        Index = index,
        Method = method,
        State = TrialState.Completed,
        MetricValue = accuracy,
        TestAccuracy = accuracy,
        DevAccuracy = accuracy - 0.02,
        TrainableParamsAfter = parameters,
    };

    [Fact]
    public void Write_ValidPngWithOneColourPerMethod()
    {
        var path = _folder.PathOf("scatter.png");

        MetricScatterChart.Write(path, "test_accuracy vs parameters", Rows(), "test_accuracy", 800, 500);

        using var png = PngProbe.Open(path);
        Assert.Equal(800, png.HeaderWidth);
        Assert.Equal(500, png.HeaderHeight);
        Assert.True(png.SaturatedColors() >= 3, $"only {png.SaturatedColors()} chart colours");
    }

    [Fact]
    public void Write_DrawsTheParetoFront()
    {
        // The same points with and without the front flags: the front adds a dashed black line and rings.
        var plain = _folder.PathOf("scatter-no-front.png");
        var marked = _folder.PathOf("scatter-front.png");
        var rows = Rows();
        var withFront = rows.Select(r => r.TrialId is "t3" or "t4" ? r with { ParetoFront = true } : r).ToList();

        MetricScatterChart.Write(plain, "", rows, "test_accuracy", 800, 500);
        MetricScatterChart.Write(marked, "", withFront, "test_accuracy", 800, 500);

        using var a = PngProbe.Open(plain);
        using var b = PngProbe.Open(marked);
        Assert.NotEmpty(PngProbe.DifferingRows(a, b));
        Assert.True(b.DarkPixels(0, 500) > a.DarkPixels(0, 500), $"{b.DarkPixels(0, 500)} dark pixels with the front, {a.DarkPixels(0, 500)} without");
    }

    [Fact]
    public void Write_TitleTextIsDrawn()
    {
        var one = _folder.PathOf("scatter-title-one.png");
        var two = _folder.PathOf("scatter-title-two.png");

        MetricScatterChart.Write(one, "Sweep HHHH", Rows(), "dev_accuracy", 800, 500);
        MetricScatterChart.Write(two, "Sweep IIII", Rows(), "dev_accuracy", 800, 500);

        using var a = PngProbe.Open(one);
        using var b = PngProbe.Open(two);
        var rows = PngProbe.DifferingRows(a, b);
        Assert.NotEmpty(rows);
        Assert.True(rows.Max() < 50, $"charts differ below the title band, at row {rows.Max()}");
    }

    [Fact]
    public void Write_NoPointsStillWritesAChart()
    {
        var path = _folder.PathOf("scatter-empty.png");

        MetricScatterChart.Write(path, "empty", [], "test_accuracy", 400, 300);

        using var png = PngProbe.Open(path);
        Assert.Equal(300, png.HeaderHeight);
    }
}
