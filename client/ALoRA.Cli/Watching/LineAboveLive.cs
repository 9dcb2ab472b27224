using Spectre.Console;
using Spectre.Console.Rendering;

namespace ALoRA.Cli.Watching;

/// <summary>
/// A line written while a Spectre.Console live display runs. The display's render hook moves the cursor to the top of
/// the live block, writes this, then redraws the block below; but it does not clear what it moves over, so a line
/// shorter than the block row under it would leave that row's tail on the screen. This renderable erases the old
/// block (CSI J: erase below the cursor) before its text.
/// </summary>
/// <param name="text">The line (wrapped to the console width like any text).</param>
internal sealed class LineAboveLive(string text) : IRenderable
{
    private const string EraseBelow = "\u001b[J";

    private readonly IRenderable _text = new Text(text + "\n");

    /// <inheritdoc />
    public Measurement Measure(RenderOptions options, int maxWidth) => _text.Measure(options, maxWidth);

    /// <inheritdoc />
    public IEnumerable<Segment> Render(RenderOptions options, int maxWidth) =>
        options.Ansi ? _text.Render(options, maxWidth).Prepend(Segment.Control(EraseBelow)) : _text.Render(options, maxWidth);
}
