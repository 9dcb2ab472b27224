using ScottPlot;
using SkiaSharp;

namespace ALoRA.Cli.Rendering;

/// <summary>Registers the embedded font with ScottPlot, once per process, before any chart is drawn.</summary>
internal static class ChartFonts
{
    /// <summary>The name charts ask for (every name resolves to the embedded font anyway).</summary>
    public const string Name = "DejaVu Sans";

    private static readonly Lazy<SKTypeface> RegularTypeface = new(Register, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The embedded regular typeface (registering the font on first use).</summary>
    public static SKTypeface Regular => RegularTypeface.Value;

    /// <summary>Makes sure the embedded font is registered.</summary>
    public static void EnsureRegistered() => _ = RegularTypeface.Value;

    private static SKTypeface Register()
    {
        var regular = Load("DejaVuSans.ttf");
        var bold = Load("DejaVuSans-Bold.ttf");
        Fonts.FontResolvers.Insert(0, new EmbeddedFontResolver(regular, bold));
        Fonts.Default = Name;
        return regular;
    }

    private static SKTypeface Load(string file)
    {
        // Rendering/Fonts/*.ttf, embedded by ALoRA.Cli.csproj under these names (licence: Rendering/Fonts/LICENSE.txt).
        var name = $"ALoRA.Cli.Rendering.Fonts.{file}";
        using var stream = typeof(ChartFonts).Assembly.GetManifestResourceStream(name)
                           ?? throw new InvalidOperationException($"the embedded chart font {name} is missing from the assembly");
        using var data = SKData.Create(stream);
        return SKTypeface.FromData(data) ?? throw new InvalidOperationException($"the embedded chart font {name} could not be loaded");
    }
}
