using ALoRA.Abstractions.Sweeps;
using ALoRA.Abstractions.Trials;
using ALoRA.Sweeps.Results;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace ALoRA.Cli.Rendering;

/// <summary>
/// A PNG scatter plot of a sweep's completed trials: the metric (y) against the final trainable adapter parameters (x),
/// one colour and marker per method, with a legend; the Pareto front (<see cref="ResultRow.ParetoFront"/>) is joined by
/// a dashed black line with hollow rings around its trials.
/// </summary>
public static class MetricScatterChart
{
    private static readonly MarkerShape[] Shapes =
        [MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond, MarkerShape.FilledTriangleDown];

    /// <summary>Writes the chart to <paramref name="path"/> (atomically; the folder is created if missing).</summary>
    /// <param name="path">The PNG file.</param>
    /// <param name="title">Chart title (empty for none).</param>
    /// <param name="rows">The results table; completed trials with final trainable parameters and a finite metric value are drawn.</param>
    /// <param name="metric">
    /// The metric on the y axis: dev_accuracy, test_accuracy, dev_loss or test_loss read that column; any other name
    /// reads <see cref="ResultRow.MetricValue"/>.
    /// </param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    public static void Write(string path, string title, IReadOnlyList<ResultRow> rows, string metric, int width = 900, int height = 600)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var points = rows
            .Where(r => r.State == TrialState.Completed && r.TrainableParamsAfter is not null)
            .Select(r => (Row: r, Y: r.Metric(metric)))
            .Where(p => p.Y is { } y && double.IsFinite(y))
            .ToList();
        var methods = points.Select(p => p.Row.Method).Distinct().ToList();
        var ordered = TrialMethods.All.Where(methods.Contains)
            .Concat(methods.Where(m => !TrialMethods.All.Contains(m)).Order(StringComparer.Ordinal))
            .ToList();

        ChartOutput.WritePng(path, width, height, plot =>
        {
            plot.Title(title ?? "");
            plot.XLabel("trainable parameters (final)");
            plot.YLabel(string.IsNullOrEmpty(metric) ? "metric" : metric);
            plot.Axes.Bottom.TickGenerator = new NumericAutomatic { LabelFormatter = ChartOutput.FormatCount };
            if (points.Count == 0)
            {
                plot.Add.Annotation("no completed trials with a metric value", Alignment.MiddleCenter);
                return;
            }

            for (var i = 0; i < ordered.Count; i++)
            {
                var method = ordered[i];
                var mine = points.Where(p => p.Row.Method == method).OrderBy(p => p.Row.TrainableParamsAfter).ToList();
                var scatter = plot.Add.ScatterPoints(
                    mine.Select(p => (double)p.Row.TrainableParamsAfter!.Value).ToArray(),
                    mine.Select(p => p.Y!.Value).ToArray(),
                    ChartOutput.MethodColor(method, methods));
                scatter.MarkerShape = Shapes[i % Shapes.Length];
                scatter.MarkerSize = 10;
                scatter.LegendText = $"{method} ({mine.Count})";
            }

            var front = points.Where(p => p.Row.ParetoFront == true).OrderBy(p => p.Row.TrainableParamsAfter).ToList();
            if (front.Count > 0)
            {
                var line = plot.Add.Scatter(
                    front.Select(p => (double)p.Row.TrainableParamsAfter!.Value).ToArray(), front.Select(p => p.Y!.Value).ToArray(), Colors.Black);
                line.LinePattern = LinePattern.Dashed;
                line.LineWidth = 1.5f;
                line.MarkerShape = MarkerShape.OpenCircle;
                line.MarkerSize = 18;
                line.LegendText = $"Pareto front ({front.Count})";
            }

            plot.ShowLegend(Edge.Right);
        });
    }
}
