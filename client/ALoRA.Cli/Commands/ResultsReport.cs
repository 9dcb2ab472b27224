using System.Globalization;
using ALoRA.Abstractions.Coordination;
using ALoRA.Cli.Cluster;
using ALoRA.Cli.Output;
using ALoRA.Cli.Rendering;
using ALoRA.Sweeps.Results;

namespace ALoRA.Cli.Commands;

/// <summary>
/// What <c>alora results</c> prints and writes: trials ranked by the sweep's metric, the paired comparisons of arms
/// across seeds and the Pareto front (docs/sweep-spec.md, "Results across seeds"), <c>results.csv</c>,
/// <c>results.json</c>, <c>comparisons.csv</c>, a heatmap of each finished trial's final allocation, metric against
/// trainable parameters over the sweep (with the Pareto front), and the loss curves.
/// </summary>
internal static class ResultsReport
{
    /// <summary>Prints the ranking and writes the files into <paramref name="outDir"/>; returns the files written.</summary>
    public static async Task<IReadOnlyList<string>> WriteAsync(
        ISweepCluster cluster, CliConsole console, SweepStatus status, string outDir, OutputFormat format, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(outDir);
        var details = await Task.WhenAll(status.Trials.Select(t => cluster.GetTrialAsync(t.TrialId, cancellationToken)));
        var rows = SweepResults.Rank(status, [.. details.Select(d => d.Spec)]);
        var comparisons = PairedComparisons.Compare(rows, status.Metric);
        var files = new List<string>();
        string Out(string name)
        {
            var path = Path.Combine(outDir, name);
            files.Add(path);
            return path;
        }

        ResultsWriter.WriteCsv(rows, Out("results.csv"));
        ResultsWriter.WriteJson(status, rows, Out("results.json"), comparisons);
        ResultsWriter.WriteComparisonsCsv(comparisons, Out("comparisons.csv"));
        foreach (var d in details.Where(d => d.Status.Result is not null))
        {
            AllocationHeatmapChart.Write(Out($"allocation-{d.Spec.Index:D3}-{d.Spec.Method}-seed{d.Spec.Training.Seed}.png"),
                $"{d.Spec.Method} seed {d.Spec.Training.Seed}: final ranks ({d.Status.TrialId})", d.Status.Result!.FinalAllocation);
        }

        if (rows.Count > 0)
        {
            MetricScatterChart.Write(Out("metric-vs-parameters.png"), $"{status.SweepId}: {status.Metric} against trainable parameters", rows, status.Metric);
        }

        var curves = details.Where(d => d.StepLosses.Count > 0)
            .Select(d => ($"{d.Spec.Method} seed {d.Spec.Training.Seed}", (IReadOnlyList<double>)d.StepLosses,
                          (IReadOnlyList<(int Step, double DevLoss)>)[.. d.Evaluations.Where(e => e.DevLoss is not null).Select(e => (e.Step, e.DevLoss!.Value))]))
            .ToList();
        if (curves.Count > 0)
        {
            LossCurvesChart.Write(Out("loss-curves.png"), $"{status.SweepId}: training loss per step and dev loss", curves);
        }

        if (format == OutputFormat.Json)
        {
            var front = SweepResults.ParetoFront(rows).Select(r => r.TrialId).ToList();
            console.Json(new { status.SweepId, status.Metric, status.Mode, Rows = rows, ParetoFront = front, Comparisons = comparisons, Files = files });
            return files;
        }

        PrintTable(console, status, rows);
        foreach (var summary in SweepResults.Summarize(rows))
        {
            console.Line(Describe(summary));
        }

        ResultsStatisticsText.Write(console, status, rows, comparisons);
        console.Line($"wrote {files.Count} files to {outDir}");
        return files;
    }

    private static void PrintTable(CliConsole console, SweepStatus status, IReadOnlyList<ResultRow> rows)
    {
        var inv = CultureInfo.InvariantCulture;
        console.Line($"sweep {status.SweepId}: {status.Trials.Count} trials ranked by {status.Metric} ({status.Mode})");
        var table = new CliTable(
            new("RANK", 4, Right: true), new("METHOD", 11), new("BUDGET", 7, Right: true), new("SEED", 4, Right: true), new("PARAMS BEFORE", 13, Right: true),
            new("AFTER", 7, Right: true), new(status.Metric.ToUpperInvariant(), 14, Right: true), new("TIME", 7, Right: true), new("TOK/S", 7, Right: true),
            new("STATE", 9, Gap: 2), new("HYPER-PARAMETERS"));
        foreach (var r in rows)
        {
            table.Add(r.Rank?.ToString(inv) ?? "-", r.Method, $"{r.InitialTotalRank}", $"{r.Seed}", $"{r.TrainableParamsBefore}", $"{r.TrainableParamsAfter}",
                $"{r.MetricValue:F4}", $"{r.WallSeconds,6:F0}s", $"{r.TokensPerSecond:F0}", r.State.ToString().ToLowerInvariant(),
                r.HyperParameters + (r.Error is null ? "" : $"  ({r.Error})"));
        }

        table.WriteTo(console);
    }

    private static string Describe(MethodSummary m) => (
        $"{m.Method}: {m.Count} of {m.Trials} trials finished; {"metric"} median {m.MedianMetric:F4} (mean {m.MeanMetric:F4}, min {m.MinMetric:F4}, max {m.MaxMetric:F4}); " +
        $"median trainable parameters after {m.MedianTrainableParamsAfter:F0}");
}
