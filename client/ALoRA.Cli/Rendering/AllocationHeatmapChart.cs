using System.Globalization;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace ALoRA.Cli.Rendering;

/// <summary>
/// A PNG heatmap of a trial's final rank allocation: layers as rows (layer 0 at the top) by module types as columns
/// (q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj), each cell coloured by its rank and labelled with it,
/// with a colour bar.
/// </summary>
public static class AllocationHeatmapChart
{
    /// <summary>Writes the heatmap to <paramref name="path"/> (atomically; the folder is created if missing).</summary>
    /// <param name="path">The PNG file.</param>
    /// <param name="title">Chart title (empty for none).</param>
    /// <param name="finalAllocation">Active ranks per module path, e.g. <c>model.layers.3.mlp.up_proj</c> → 6.</param>
    /// <param name="width">Image width in pixels; 0 sizes it to the number of module types.</param>
    /// <param name="height">Image height in pixels; 0 sizes it to the number of layers.</param>
    public static void Write(string path, string title, IReadOnlyDictionary<string, int> finalAllocation, int width = 0, int height = 0)
    {
        var grid = AllocationGrid.From(finalAllocation);
        var rows = Math.Max(1, grid.Layers.Count);
        var columns = Math.Max(1, grid.ModuleTypes.Count);
        width = width > 0 ? width : Math.Max(480, 260 + (90 * columns));
        height = height > 0 ? height : Math.Max(320, 150 + (24 * rows));

        ChartOutput.WritePng(path, width, height, plot =>
        {
            plot.Title(title ?? "");
            plot.HideGrid();
            if (grid.Cells == 0)
            {
                plot.Add.Annotation("no allocation", Alignment.MiddleCenter);
                return;
            }

            var intensities = new double[rows, columns];
            for (var r = 0; r < rows; r++)
            {
                for (var c = 0; c < columns; c++)
                {
                    intensities[r, c] = grid.Ranks[r, c] is { } rank ? rank : double.NaN;
                }
            }

            var colormap = new ScottPlot.Colormaps.Viridis();
            var heatmap = plot.Add.Heatmap(intensities);
            heatmap.Colormap = colormap;
            heatmap.NaNCellColor = Colors.LightGray;
            var low = grid.Min;
            var high = grid.Max > grid.Min ? grid.Max : grid.Min + 1;
            heatmap.ManualRange = new ScottPlot.Range(low, high);

            var colorBar = plot.Add.ColorBar(heatmap, Edge.Right);
            colorBar.Label = "rank";
            colorBar.Axis.TickGenerator = new NumericAutomatic { IntegerTicksOnly = true };

            // Row r of the array is drawn at the top: its cell centre is at y = rows - 1 - r, column c at x = c.
            var cellWidthPx = (width - 220.0) / columns;
            var cellHeightPx = (height - 130.0) / rows;
            var fontSize = (float)Math.Clamp(Math.Min(cellHeightPx * 0.55, cellWidthPx * 0.3), 6, 16);
            for (var r = 0; r < rows; r++)
            {
                for (var c = 0; c < columns; c++)
                {
                    if (grid.Ranks[r, c] is not { } rank)
                    {
                        continue;
                    }

                    var label = plot.Add.Text(rank.ToString(CultureInfo.InvariantCulture), c, rows - 1 - r);
                    label.Alignment = Alignment.MiddleCenter;
                    label.LabelFontSize = fontSize;
                    label.LabelFontColor = Contrasting(colormap.GetColor((rank - low) / (double)(high - low)));
                }
            }

            plot.Axes.Bottom.TickGenerator = new NumericManual(
                Enumerable.Range(0, columns).Select(c => (double)c).ToArray(),
                grid.ModuleTypes.ToArray());
            plot.Axes.Left.TickGenerator = new NumericManual(
                Enumerable.Range(0, rows).Select(r => (double)(rows - 1 - r)).ToArray(),
                Enumerable.Range(0, rows).Select(grid.LayerLabel).ToArray());
            plot.XLabel($"module type (total rank {grid.Total.ToString(CultureInfo.InvariantCulture)} over {grid.Cells.ToString(CultureInfo.InvariantCulture)} modules)");
            plot.YLabel("layer");
            plot.Axes.SetLimits(-0.5, columns - 0.5, -0.5, rows - 0.5);
        });
    }

    private static Color Contrasting(Color background)
    {
        var luminance = (0.299 * background.R) + (0.587 * background.G) + (0.114 * background.B);
        return luminance < 140 ? Colors.White : Colors.Black;
    }
}
