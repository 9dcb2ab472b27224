using ScottPlot;

namespace ALoRA.Cli.Rendering;

/// <summary>
/// A PNG chart of loss curves: each trial's training loss per step (a line, optionally smoothed) and its dev
/// evaluations (markers), one colour per trial, with a legend.
/// </summary>
public static class LossCurvesChart
{
    /// <summary>Writes the chart to <paramref name="path"/> (atomically; the folder is created if missing).</summary>
    /// <param name="path">The PNG file.</param>
    /// <param name="title">Chart title (empty for none).</param>
    /// <param name="curves">
    /// Per trial: a legend label, the training loss per step (index = step - 1) and the dev losses by step.
    /// Non-finite losses are left out.
    /// </param>
    /// <param name="smoothing">
    /// Exponential smoothing of the training loss in [0, 1) (0.9 is strong); above 0 the raw loss is drawn faintly
    /// behind the smoothed line.
    /// </param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    public static void Write(
        string path,
        string title,
        IReadOnlyList<(string Label, IReadOnlyList<double> StepLosses, IReadOnlyList<(int Step, double DevLoss)> Dev)> curves,
        double smoothing = 0.0,
        int width = 1000,
        int height = 600)
    {
        ArgumentNullException.ThrowIfNull(curves);
        ArgumentOutOfRangeException.ThrowIfNegative(smoothing);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(smoothing, 1.0);

        ChartOutput.WritePng(path, width, height, plot =>
        {
            plot.Title(title ?? "");
            plot.XLabel("step");
            plot.YLabel("loss");
            var palette = new ScottPlot.Palettes.Category10();
            var drawn = 0;
            for (var i = 0; i < curves.Count; i++)
            {
                var (label, stepLosses, dev) = curves[i];
                var color = palette.GetColor(i);
                var train = Finite(stepLosses.Select((loss, index) => (X: index + 1.0, Y: loss)));
                if (train.Count > 0)
                {
                    if (smoothing > 0)
                    {
                        var raw = plot.Add.ScatterLine(train.Select(p => p.X).ToArray(), train.Select(p => p.Y).ToArray(), color.WithOpacity(0.25));
                        raw.LineWidth = 1;
                        train = Smooth(train, smoothing);
                    }

                    var line = plot.Add.ScatterLine(train.Select(p => p.X).ToArray(), train.Select(p => p.Y).ToArray(), color);
                    line.LineWidth = 2;
                    line.LegendText = label;
                    drawn++;
                }

                var evaluations = Finite(dev.OrderBy(d => d.Step).Select(d => ((double)d.Step, d.DevLoss)));
                if (evaluations.Count > 0)
                {
                    var points = plot.Add.Scatter(evaluations.Select(p => p.X).ToArray(), evaluations.Select(p => p.Y).ToArray(), color);
                    points.MarkerShape = MarkerShape.FilledDiamond;
                    points.MarkerSize = 9;
                    points.LineWidth = 1;
                    points.LinePattern = LinePattern.Dashed;
                    points.LegendText = $"{label} (dev)";
                    drawn++;
                }
            }

            if (drawn == 0)
            {
                plot.Add.Annotation("no losses reported", Alignment.MiddleCenter);
                return;
            }

            plot.ShowLegend(Edge.Right);
        });
    }

    /// <summary>Exponential moving average, debiased like TensorBoard's, so the first points are not pulled towards 0.</summary>
    internal static List<(double X, double Y)> Smooth(IReadOnlyList<(double X, double Y)> points, double smoothing)
    {
        var result = new List<(double X, double Y)>(points.Count);
        var average = 0.0;
        var weight = 0.0;
        foreach (var (x, y) in points)
        {
            average = (smoothing * average) + ((1 - smoothing) * y);
            weight = (smoothing * weight) + (1 - smoothing);
            result.Add((x, average / weight));
        }

        return result;
    }

    private static List<(double X, double Y)> Finite(IEnumerable<(double X, double Y)> points) =>
        points.Where(p => double.IsFinite(p.Y)).ToList();
}
