using System.Globalization;
using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Grains;
using ALoRA.Abstractions.Trials;
using ALoRA.Cli.Output;
using ALoRA.Cli.Rendering;
using ALoRA.Sweeps.Results;

namespace ALoRA.Cli.Commands;

/// <summary>
/// What <c>alora results</c> prints and writes: trials ranked by the sweep's metric, <c>results.csv</c>,
/// <c>results.json</c>, a heatmap of each finished trial's final allocation, metric against trainable parameters over
/// the sweep, and the loss curves.
/// </summary>
internal static class ResultsReport
{
    /// <summary>Prints the ranking and writes the files into <paramref name="outDir"/>; returns the files written.</summary>
    public static async Task<IReadOnlyList<string>> WriteAsync(IGrainFactory grains, SweepStatus status, string outDir, OutputFormat format)
    {
        Directory.CreateDirectory(outDir);
        var details = await Task.WhenAll(status.Trials.Select(t => grains.GetGrain<IExperimentGrain>(t.TrialId).GetDetailsAsync()));
        var rows = SweepResults.Rank(status, [.. details.Select(d => d.Spec)]);
        var files = new List<string>();
        string Out(string name)
        {
            var path = Path.Combine(outDir, name);
            files.Add(path);
            return path;
        }

        ResultsWriter.WriteCsv(rows, Out("results.csv"));
        ResultsWriter.WriteJson(status, rows, Out("results.json"));
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
            CliJson.Print(new { status.SweepId, status.Metric, status.Mode, Rows = rows, Files = files });
            return files;
        }

        PrintTable(status, rows);
        foreach (var summary in SweepResults.Summarize(rows))
        {
            Console.WriteLine(Describe(summary));
        }

        Console.WriteLine($"wrote {files.Count} files to {outDir}");
        return files;
    }

    private static void PrintTable(SweepStatus status, IReadOnlyList<ResultRow> rows)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"sweep {status.SweepId}: {status.Trials.Count} trials ranked by {status.Metric} ({status.Mode})");
        Console.WriteLine($"{"RANK",4} {"METHOD",-11} {"BUDGET",7} {"SEED",4} {"PARAMS BEFORE",13} {"AFTER",7} {status.Metric.ToUpperInvariant(),14} {"TIME",7} {"TOK/S",7}  {"STATE",-9} HYPER-PARAMETERS");
        foreach (var r in rows)
        {
            Console.WriteLine((
                $"{r.Rank?.ToString(inv) ?? "-",4} {r.Method,-11} {r.InitialTotalRank,7} {r.Seed,4} {r.TrainableParamsBefore,13} {r.TrainableParamsAfter,7} {r.MetricValue,14:F4} " +
                $"{r.WallSeconds,6:F0}s {r.TokensPerSecond,7:F0}  {r.State.ToString().ToLowerInvariant(),-9} {r.HyperParameters}" + (r.Error is null ? "" : $"  ({r.Error})")));
        }
    }

    private static string Describe(MethodSummary m) => (
        $"{m.Method}: {m.Count} of {m.Trials} trials finished; {"metric"} median {m.MedianMetric:F4} (mean {m.MeanMetric:F4}, min {m.MinMetric:F4}, max {m.MaxMetric:F4}); " +
        $"median trainable parameters after {m.MedianTrainableParamsAfter:F0}");
}
