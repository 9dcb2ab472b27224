using ALoRA.Cli.Rendering;

namespace ALoRA.Cli.Tests.Rendering;

public sealed class ChartFontTests : IClassFixture<TempDirectory>
{
    private readonly TempDirectory _folder;

    public ChartFontTests(TempDirectory folder) => _folder = folder;

    /// <summary>
    /// Every font the charts may ask for resolves to the embedded DejaVu subset (a few hundred glyphs; a system DejaVu
    /// has thousands), so text renders the same where no system font is installed.
    /// </summary>
    [Theory]
    [InlineData("DejaVu Sans", false)]
    [InlineData("DejaVu Sans", true)]
    [InlineData("Arial", false)]
    [InlineData("No Such Font Family", true)]
    public void Charts_UseTheEmbeddedFont(string fontName, bool bold)
    {
        AllocationHeatmapChart.Write(_folder.PathOf("font.png"), "font", Allocations.Llama(1), 300, 200);

        // The typeface is shared with later charts: not disposed here.
        var typeface = ScottPlot.Fonts.GetTypeface(fontName, bold, false);

        Assert.Equal("DejaVu Sans", typeface.FamilyName);
        Assert.InRange(typeface.GlyphCount, 100, 1000);
        Assert.Equal(bold, typeface.IsBold);
    }
}
