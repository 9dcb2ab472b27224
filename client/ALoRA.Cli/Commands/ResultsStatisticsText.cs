using System.Globalization;
using ALoRA.Abstractions.Coordination;
using ALoRA.Cli.Output;
using ALoRA.Sweeps.Results;
using ALoRA.Sweeps.Statistics;

namespace ALoRA.Cli.Commands;

/// <summary>
/// The statistics part of <c>alora results</c>'s text output: the paired comparisons on the sweep's metric and the
/// Pareto front of the metric against trainable parameters. Computed in <c>ALoRA.Sweeps</c>; this only renders.
/// </summary>
internal static class ResultsStatisticsText
{
    /// <summary>Prints the comparisons on <see cref="SweepStatus.Metric"/> (nothing when no two arms pair) and the Pareto front.</summary>
    public static void Write(CliConsole console, SweepStatus status, IReadOnlyList<ResultRow> rows, IReadOnlyList<PairedComparison> comparisons)
    {
        var inv = CultureInfo.InvariantCulture;
        var mine = comparisons.Where(c => c.Metric == status.Metric).ToList();
        if (mine.Count > 0)
        {
            console.Line(
                $"paired by seed and search draw: {status.Metric} of B minus A, mean with bootstrap 95% interval " +
                $"({PercentileBootstrap.DefaultResamples.ToString(inv)} resamples, seed {PercentileBootstrap.DefaultSeed.ToString(inv)}), Wilcoxon signed-rank p (two-sided)");
            var table = new CliTable(
                new("A", 11), new("B", 11), new("PAIRS", 5, Right: true), new("MEAN B-A", 9, Right: true), new("95% INTERVAL", 19, Right: true),
                new("P", 7, Right: true), new("TEST", 6, Gap: 2), new("LEFT OUT"));
            foreach (var c in mine)
            {
                table.Add(c.Baseline, c.Other, c.Pairs.ToString(inv), Signed(c.MeanDifference),
                    c.CiLower is null ? "-" : $"[{Signed(c.CiLower)}, {Signed(c.CiUpper)}]",
                    c.WilcoxonP is { } p ? p.ToString("F4", inv) : "-", c.WilcoxonMethod,
                    c.LeftOut == 0 ? "0" : $"{c.LeftOut.ToString(inv)}: {string.Join("; ", c.LeftOutReasons)}");
            }

            table.WriteTo(console);
        }

        var front = SweepResults.ParetoFront(rows);
        if (front.Count == 0)
        {
            return;
        }

        console.Line($"Pareto front of {status.Metric} ({status.Mode}) against trainable parameters: {front.Count.ToString(inv)} of " +
                     $"{rows.Count(r => r.ParetoFront is not null).ToString(inv)} trials");
        var pareto = new CliTable(new("PARAMS", 9, Right: true), new(status.Metric.ToUpperInvariant(), 14, Right: true), new("RANK", 4, Right: true),
            new("ARM", 11, Gap: 2), new("SEED", 4, Right: true), new("TRIAL"));
        foreach (var r in front)
        {
            pareto.Add(r.TrainableParams?.ToString(inv) ?? "-", r.MetricValue?.ToString("F4", inv) ?? "-", r.Rank?.ToString(inv) ?? "-",
                PairedComparisons.ArmLabel(r), r.Seed.ToString(inv), r.TrialId);
        }

        pareto.WriteTo(console);
    }

    private static string Signed(double? value) => value is { } v ? v.ToString("+0.0000;-0.0000;0.0000", CultureInfo.InvariantCulture) : "-";
}
