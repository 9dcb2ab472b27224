using System.Globalization;
using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Sweeps;
using ALoRA.Abstractions.Trials;

namespace ALoRA.Sweeps.Results;

/// <summary>
/// Turns a sweep's status into a ranked results table and summarises it per method. Pure functions: nothing here
/// talks to the cluster.
/// </summary>
public static class SweepResults
{
    /// <summary>
    /// One row per trial, best first. Completed trials with a finite value of <see cref="SweepStatus.Metric"/> are
    /// ranked 1, 2, ... by that value (descending for mode <c>max</c>, ascending for <c>min</c>; ties by trial index);
    /// every other trial (queued, running, failed, cancelled, or completed without a metric value) follows, unranked,
    /// in index order.
    /// </summary>
    /// <param name="status">The sweep and its trials.</param>
    /// <param name="specs">The trials' specs, when at hand: they supply the LoRA rank r and the number of target modules.</param>
    /// <exception cref="ArgumentException">The mode is neither <c>max</c> nor <c>min</c>.</exception>
    public static IReadOnlyList<ResultRow> Rank(SweepStatus status, IReadOnlyList<TrialSpec>? specs = null)
    {
        ArgumentNullException.ThrowIfNull(status);
        var mode = ParseMode(status.Mode, status.Metric);
        var byId = new Dictionary<string, TrialSpec>(StringComparer.Ordinal);
        foreach (var spec in specs ?? [])
        {
            byId.TryAdd(spec.TrialId, spec);
        }

        var rows = status.Trials.Select(t => ToRow(t, status.Metric, byId.GetValueOrDefault(t.TrialId))).ToList();
        var ranked = rows.Where(IsRankable);
        ranked = mode == MetricMode.Min
            ? ranked.OrderBy(r => r.MetricValue!.Value).ThenBy(r => r.Index)
            : ranked.OrderByDescending(r => r.MetricValue!.Value).ThenBy(r => r.Index);

        var result = MarkParetoFront(ranked.Select((r, i) => r with { Rank = i + 1 }).ToList(), mode);
        result.AddRange(rows.Where(r => !IsRankable(r)).OrderBy(r => r.Index));
        return result;
    }

    /// <summary>The trials on the Pareto front (<see cref="ResultRow.ParetoFront"/>), fewest trainable parameters first.</summary>
    /// <param name="rows">A table from <see cref="Rank"/>.</param>
    public static IReadOnlyList<ResultRow> ParetoFront(IReadOnlyList<ResultRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return [.. rows.Where(r => r.ParetoFront == true).OrderBy(r => r.TrainableParams).ThenBy(r => r.Rank)];
    }

    /// <summary>
    /// Per method, in the order of <see cref="TrialMethods.All"/> (other methods after, by name): the number of trials,
    /// and median, mean, minimum and maximum of the metric and the median final trainable parameters over the ranked
    /// trials.
    /// </summary>
    /// <param name="rows">A table from <see cref="Rank"/>.</param>
    public static IReadOnlyList<MethodSummary> Summarize(IReadOnlyList<ResultRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return rows
            .GroupBy(r => r.Method, StringComparer.Ordinal)
            .OrderBy(g => MethodOrder(g.Key))
            .ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(Summarize)
            .ToList();
    }

    /// <summary>Median of <paramref name="values"/> (the mean of the middle two for an even count); null when empty.</summary>
    internal static double? Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return null;
        }

        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2.0;
    }

    /// <summary>The mode of a sweep: <c>max</c> or <c>min</c> (any case); empty means min for loss metrics, else max.</summary>
    internal static MetricMode ParseMode(string? mode, string? metric)
    {
        if (string.IsNullOrWhiteSpace(mode))
        {
            return metric is not null && metric.EndsWith("loss", StringComparison.OrdinalIgnoreCase) ? MetricMode.Min : MetricMode.Max;
        }

        return mode.Trim().ToLowerInvariant() switch
        {
            "max" => MetricMode.Max,
            "min" => MetricMode.Min,
            _ => throw new ArgumentException($"sweep mode '{mode}' is neither max nor min", nameof(mode)),
        };
    }

    private static MethodSummary Summarize(IGrouping<string, ResultRow> group)
    {
        var ranked = group.Where(IsRankable).ToList();
        var metrics = ranked.Select(r => r.MetricValue!.Value).ToList();
        return new MethodSummary
        {
            Method = group.Key,
            Trials = group.Count(),
            Count = ranked.Count,
            MedianMetric = Median(metrics),
            MeanMetric = metrics.Count == 0 ? null : metrics.Average(),
            MinMetric = metrics.Count == 0 ? null : metrics.Min(),
            MaxMetric = metrics.Count == 0 ? null : metrics.Max(),
            MedianTrainableParamsAfter = Median(ranked.Where(r => r.TrainableParamsAfter is not null).Select(r => (double)r.TrainableParamsAfter!.Value)),
        };
    }

    private static List<ResultRow> MarkParetoFront(List<ResultRow> ranked, MetricMode mode)
    {
        var eligible = ranked.Where(r => r.TrainableParams is not null).ToList();
        var members = Statistics.ParetoFront.Members([.. eligible.Select(r => ((double)r.TrainableParams!.Value, r.MetricValue!.Value))], mode);
        var result = new List<ResultRow>(ranked.Count);
        var k = 0;
        foreach (var r in ranked)
        {
            result.Add(r.TrainableParams is null ? r : r with { ParetoFront = members[k++] });
        }

        return result;
    }

    private static int MethodOrder(string method)
    {
        for (var i = 0; i < TrialMethods.All.Count; i++)
        {
            if (TrialMethods.All[i] == method)
            {
                return i;
            }
        }

        return int.MaxValue;
    }

    private static bool IsRankable(ResultRow row) =>
        row.State == TrialState.Completed && row.MetricValue is { } value && double.IsFinite(value);

    private static ResultRow ToRow(TrialStatus trial, string metric, TrialSpec? spec)
    {
        var result = trial.Result;
        var allocation = result?.FinalAllocation ?? new Dictionary<string, int>();
        var searchValues = spec is not null && trial.SearchValues.Count == 0 ? spec.SearchValues : trial.SearchValues;

        var loraR = spec?.Lora.R;
        if (loraR is null && searchValues.TryGetValue("lora.r", out var rText)
            && int.TryParse(rText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsedR))
        {
            loraR = parsedR;
        }

        var targetModules = spec?.Lora.TargetModules.Count;
        if (targetModules is null && allocation.Count > 0)
        {
            targetModules = allocation.Keys.Select(ModuleType).Distinct(StringComparer.Ordinal).Count();
        }

        return new ResultRow
        {
            TrialId = trial.TrialId,
            Index = trial.Index,
            Method = string.IsNullOrEmpty(trial.Method) ? result?.Method ?? spec?.Method ?? "" : trial.Method,
            LoraR = loraR,
            TargetModules = targetModules,
            InitialTotalRank = loraR is not null && allocation.Count > 0 ? loraR.Value * allocation.Count : null,
            FinalTotalRank = allocation.Count > 0 ? allocation.Values.Sum() : null,
            SearchValues = searchValues,
            HyperParameters = string.Join("; ", searchValues
                .OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => $"{kv.Key}={kv.Value}")),
            Seed = trial.Seed,
            TrainableParamsBefore = result?.InitialTrainableParameters,
            TrainableParamsAfter = result?.FinalTrainableParameters,
            MetricValue = result?.MetricValue(metric),
            DevAccuracy = result?.DevMetric,
            TestAccuracy = result?.TestMetric,
            DevLoss = result?.DevLoss ?? trial.DevLoss,
            TestLoss = result?.TestLoss,
            WallSeconds = result?.WallSeconds,
            TokensPerSecond = result?.TokensPerSecond,
            State = trial.State,
            Error = trial.Error,
        };
    }

    private static string ModuleType(string modulePath)
    {
        var dot = modulePath.LastIndexOf('.');
        return dot < 0 ? modulePath : modulePath[(dot + 1)..];
    }
}
