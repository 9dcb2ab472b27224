using ScottPlot;
using SkiaSharp;

namespace ALoRA.Cli.Rendering;

/// <summary>
/// A ScottPlot font resolver that answers every font request with the embedded typeface (bold or regular), so that
/// charts look the same on every machine and render text where no system font is installed.
/// </summary>
/// <param name="regularFace">The regular typeface.</param>
/// <param name="boldFace">The bold typeface.</param>
internal sealed class EmbeddedFontResolver(SKTypeface regularFace, SKTypeface boldFace) : IFontResolver
{
    /// <inheritdoc/>
    public SKTypeface CreateTypeface(string fontName, bool bold, bool italic) => bold ? boldFace : regularFace;

    /// <inheritdoc/>
    public SKTypeface CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing spacing) =>
        (int)weight >= 600 ? boldFace : regularFace;
}
