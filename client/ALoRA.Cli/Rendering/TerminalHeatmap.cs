using System.Globalization;
using System.Text;

namespace ALoRA.Cli.Rendering;

/// <summary>
/// A rank allocation as a text grid for the terminal (<c>alora show</c>): one line per layer, one column per module
/// type, the rank in each cell; with colour, each cell's background follows the same viridis scale as the PNG heatmap.
/// </summary>
public static class TerminalHeatmap
{
    private const string Reset = "\u001b[0m";

    /// <summary>Renders <paramref name="allocation"/>; lines end with '\n'.</summary>
    /// <param name="allocation">Active ranks per module path, e.g. <c>model.layers.3.mlp.up_proj</c> → 6.</param>
    /// <param name="color">True for ANSI 256-colour backgrounds; false for plain text.</param>
    public static string Render(IReadOnlyDictionary<string, int> allocation, bool color)
    {
        var grid = AllocationGrid.From(allocation);
        var text = new StringBuilder();
        if (grid.Cells == 0)
        {
            return "(no allocation)\n";
        }

        var labelWidth = Math.Max("layer".Length, Enumerable.Range(0, grid.Layers.Count).Max(r => grid.LayerLabel(r).Length));
        var widths = grid.ModuleTypes
            .Select((type, c) => Math.Max(type.Length, Enumerable.Range(0, grid.Layers.Count)
                .Max(r => grid.Ranks[r, c]?.ToString(CultureInfo.InvariantCulture).Length ?? 1)))
            .ToArray();

        text.Append("layer".PadLeft(labelWidth));
        for (var c = 0; c < widths.Length; c++)
        {
            text.Append(' ').Append(' ').Append(grid.ModuleTypes[c].PadLeft(widths[c]));
        }

        text.Append('\n');
        var colormap = new ScottPlot.Colormaps.Viridis();
        var span = Math.Max(1, grid.Max - grid.Min);
        for (var r = 0; r < grid.Layers.Count; r++)
        {
            text.Append(grid.LayerLabel(r).PadLeft(labelWidth));
            for (var c = 0; c < widths.Length; c++)
            {
                text.Append(' ');
                if (grid.Ranks[r, c] is not { } rank)
                {
                    text.Append(' ').Append("-".PadLeft(widths[c]));
                    continue;
                }

                var cell = " " + rank.ToString(CultureInfo.InvariantCulture).PadLeft(widths[c]);
                if (color)
                {
                    var background = colormap.GetColor((rank - grid.Min) / (double)span);
                    text.Append(Ansi(background)).Append(cell).Append(Reset);
                }
                else
                {
                    text.Append(cell);
                }
            }

            text.Append('\n');
        }

        text.Append(CultureInfo.InvariantCulture, $"ranks {grid.Min}..{grid.Max}, total {grid.Total} over {grid.Cells} modules\n");
        return text.ToString();
    }

    private static string Ansi(ScottPlot.Color background)
    {
        static int Level(byte channel) => (int)Math.Round(channel / 255.0 * 5);
        var index = 16 + (36 * Level(background.R)) + (6 * Level(background.G)) + Level(background.B);
        var luminance = (0.299 * background.R) + (0.587 * background.G) + (0.114 * background.B);
        var foreground = luminance < 140 ? 231 : 16;
        return $"\u001b[48;5;{index}m\u001b[38;5;{foreground}m";
    }
}
