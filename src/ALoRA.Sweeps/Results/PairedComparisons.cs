using System.Globalization;
using ALoRA.Abstractions.Sweeps;
using ALoRA.Abstractions.Trials;
using ALoRA.Sweeps.Statistics;

namespace ALoRA.Sweeps.Results;

/// <summary>
/// Pairs a sweep's trials across arms and compares the arms (docs/sweep-spec.md, "Results across seeds"). An arm is
/// what a comparison is about: the method, the LoRA rank <c>lora.r</c> when the sweep searches it, and the values of
/// the method's own block (<c>alora.k1</c>, ...) that the sweep searches. Two trials of different arms pair when they
/// share the seed and every other search value (the same search draw). Pure functions.
/// </summary>
public static class PairedComparisons
{
    /// <summary>The metrics a results table shows; each is compared when at least one pair has it.</summary>
    public static IReadOnlyList<string> Metrics { get; } = ["dev_accuracy", "test_accuracy", "dev_loss", "test_loss"];

    private const string RankKey = "lora.r";
    private const string MethodKey = "method";

    /// <summary>
    /// Every pair of arms that share at least one context (seed and other search values), baseline first in the order
    /// methods are listed (lora, alora, alora-dnas, alora-sensi), then by rank; for each, <paramref name="metric"/>
    /// first, then the other metrics of <see cref="Metrics"/> that have at least one pair. A context holding one arm
    /// but not a usable pair is left out with the reason (a missing partner, or a trial that did not complete with a
    /// finite value of the metric: failed, cancelled, stopped, still running, ...).
    /// </summary>
    /// <param name="rows">A table from <see cref="SweepResults.Rank"/>.</param>
    /// <param name="metric">The sweep's metric, compared first and always reported.</param>
    /// <param name="resamples">Bootstrap resamples (see <see cref="PercentileBootstrap"/>).</param>
    /// <param name="seed">Bootstrap seed; every comparison starts a generator with it, so results do not depend on order.</param>
    public static IReadOnlyList<PairedComparison> Compare(
        IReadOnlyList<ResultRow> rows, string metric, int resamples = PercentileBootstrap.DefaultResamples, long seed = PercentileBootstrap.DefaultSeed)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentException.ThrowIfNullOrEmpty(metric);
        var cells = rows
            .GroupBy(r => (Context: Context(r), Arm: ArmOf(r)))
            .ToDictionary(g => g.Key, g => g.OrderBy(r => r.Index).ToList());
        var arms = cells.Keys.Select(k => k.Arm).Distinct().Order(ArmComparer.Instance).ToList();
        var contexts = cells.Keys.Select(k => k.Context).Distinct(StringComparer.Ordinal).ToList();
        var metrics = new[] { metric }.Concat(Metrics.Where(m => m != metric)).ToList();
        var result = new List<PairedComparison>();
        for (var i = 0; i < arms.Count; i++)
        {
            for (var j = i + 1; j < arms.Count; j++)
            {
                var (a, b) = (arms[i], arms[j]);
                var shared = contexts
                    .Select(c => (A: cells.GetValueOrDefault((c, a)), B: cells.GetValueOrDefault((c, b)), Context: c))
                    .Where(c => c.A is not null || c.B is not null)
                    .OrderBy(c => Math.Min(c.A?[0].Index ?? int.MaxValue, c.B?[0].Index ?? int.MaxValue))
                    .ToList();
                if (!shared.Any(c => c.A is not null && c.B is not null))
                {
                    continue;
                }

                foreach (var m in metrics)
                {
                    var comparison = CompareOn(a, b, m, shared, resamples, seed);
                    if (m == metric || comparison.Pairs > 0)
                    {
                        result.Add(comparison);
                    }
                }
            }
        }

        return result;
    }

    /// <summary>The arm label of a row: the method, then <c>r=</c> when <c>lora.r</c> is searched, then the method block's searched values.</summary>
    public static string ArmLabel(ResultRow row) => ArmOf(row).Label;

    private static PairedComparison CompareOn(
        Arm a, Arm b, string metric, List<(List<ResultRow>? A, List<ResultRow>? B, string Context)> contexts, int resamples, long seed)
    {
        var pairs = new List<TrialPair>();
        var leftOut = new List<string>();
        foreach (var (aRows, bRows, context) in contexts)
        {
            if (aRows is null || bRows is null)
            {
                var lone = (aRows ?? bRows)![0];
                leftOut.Add($"trial {lone.TrialId} has no {(aRows is null ? a.Label : b.Label)} partner");
                continue;
            }

            var (x, y) = (aRows[0], bRows[0]);
            leftOut.AddRange(aRows.Skip(1).Select(e => (Extra: e, First: x)).Concat(bRows.Skip(1).Select(e => (Extra: e, First: y)))
                .Select(d => $"trial {d.Extra.TrialId} repeats the seed and search values of trial {d.First.TrialId}"));
            var reasons = new[] { Unusable(x, metric), Unusable(y, metric) }.OfType<string>().ToList();
            if (reasons.Count > 0)
            {
                leftOut.Add(string.Join(" and ", reasons));
                continue;
            }

            var (vx, vy) = (x.Metric(metric)!.Value, y.Metric(metric)!.Value);
            pairs.Add(new TrialPair { Context = context, BaselineTrial = x.TrialId, OtherTrial = y.TrialId, BaselineValue = vx, OtherValue = vy, Difference = vy - vx });
        }

        var comparison = new PairedComparison
        {
            Baseline = a.Label,
            Other = b.Label,
            Metric = metric,
            Pairs = pairs.Count,
            LeftOut = leftOut.Count,
            LeftOutReasons = leftOut,
            PairList = pairs,
        };
        if (pairs.Count == 0)
        {
            return comparison;
        }

        var differences = pairs.Select(p => p.Difference).ToList();
        var interval = PercentileBootstrap.MeanInterval(differences, resamples, seed);
        var wilcoxon = WilcoxonSignedRank.Test(differences);
        return comparison with
        {
            MeanDifference = differences.Average(),
            CiLower = interval.Lower,
            CiUpper = interval.Upper,
            WilcoxonP = wilcoxon.PValue,
            WilcoxonMethod = wilcoxon.Method.ToString().ToLowerInvariant(),
            WPlus = wilcoxon.WPlus,
            ZeroDifferences = wilcoxon.Zeros,
        };
    }

    /// <summary>Why a trial cannot be paired on <paramref name="metric"/>; null when it can.</summary>
    private static string? Unusable(ResultRow row, string metric) => row.State switch
    {
        TrialState.Completed when row.Metric(metric) is { } v && double.IsFinite(v) => null,
        TrialState.Completed => $"trial {row.TrialId} has no {metric}",
        TrialState.Failed => $"trial {row.TrialId} failed",
        TrialState.Cancelled => $"trial {row.TrialId} was cancelled",
        TrialState.Queued or TrialState.Running or TrialState.Unreadable => $"trial {row.TrialId} is {row.State.ToString().ToLowerInvariant()}",
        _ => $"trial {row.TrialId} {row.State.ToString().ToLowerInvariant()}",
    };

    private static bool IsArmKey(string key, string method) => key == MethodKey || key == RankKey || IsMethodBlockKey(key, method);

    /// <summary>A key of the method's own block (<c>alora.k1</c> for alora); the <c>lora</c> block holds every method's adapter settings.</summary>
    private static bool IsMethodBlockKey(string key, string method) =>
        method != TrialMethods.Lora && key.StartsWith(method + ".", StringComparison.Ordinal);

    private static string Context(ResultRow row) =>
        string.Join("; ", new[] { $"seed={row.Seed.ToString(CultureInfo.InvariantCulture)}" }.Concat(row.SearchValues
            .Where(kv => !IsArmKey(kv.Key, row.Method))
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => $"{kv.Key}={kv.Value}")));

    private static Arm ArmOf(ResultRow row)
    {
        var parts = new List<string> { row.Method };
        int? rank = null;
        if (row.SearchValues.TryGetValue(RankKey, out var r))
        {
            parts.Add($"r={r}");
            rank = int.TryParse(r, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
        }

        parts.AddRange(row.SearchValues
            .Where(kv => IsMethodBlockKey(kv.Key, row.Method))
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => $"{kv.Key[(row.Method.Length + 1)..]}={kv.Value}"));
        return new Arm(string.Join(' ', parts), row.Method, rank);
    }

    private sealed record Arm(string Label, string Method, int? Rank);

    private sealed class ArmComparer : IComparer<Arm>
    {
        public static readonly ArmComparer Instance = new();

        public int Compare(Arm? x, Arm? y)
        {
            ArgumentNullException.ThrowIfNull(x);
            ArgumentNullException.ThrowIfNull(y);
            var byMethod = MethodOrder(x.Method).CompareTo(MethodOrder(y.Method));
            if (byMethod != 0)
            {
                return byMethod;
            }

            var byMethodName = string.CompareOrdinal(x.Method, y.Method);
            if (byMethodName != 0)
            {
                return byMethodName;
            }

            var byRank = (x.Rank ?? int.MaxValue).CompareTo(y.Rank ?? int.MaxValue);
            return byRank != 0 ? byRank : string.CompareOrdinal(x.Label, y.Label);
        }

        private static int MethodOrder(string method)
        {
            var i = TrialMethods.All.ToList().IndexOf(method);
            return i < 0 ? int.MaxValue : i;
        }
    }
}
