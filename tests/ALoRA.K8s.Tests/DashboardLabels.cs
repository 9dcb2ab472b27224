using System.Reflection;
using System.Text.RegularExpressions;
using ALoRA.Abstractions.Diagnostics;

namespace ALoRA.K8s.Tests;

/// <summary>
/// Checks the labels a Grafana panel target uses (in its PromQL selectors and <c>by</c>/<c>without</c> clauses, and as
/// <c>{{label}}</c> in its legend) against the labels its series carry: the tags ALoRA's instruments record
/// (<see cref="AloraTelemetry.MetricTags.Of"/>), the resource labels the collector adds, and <c>le</c> on histogram
/// buckets.
/// </summary>
internal sealed partial class DashboardLabels(IReadOnlySet<string> resourceLabels)
{
    /// <summary>Every ALoRA instrument name, with dots as underscores (the start of its Prometheus names).</summary>
    private static readonly IReadOnlyList<(string Prefix, string Instrument)> Instruments =
        typeof(AloraTelemetry.Instruments).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => (string)f.GetRawConstantValue()!)
            .Select(i => (i.Replace('.', '_'), i))
            .OrderByDescending(p => p.Item1.Length)
            .ToList();

    /// <summary>The labels the Prometheus series <paramref name="metric"/> carries; null when it is no ALoRA instrument's.</summary>
    public IReadOnlySet<string>? Carried(string metric)
    {
        var match = Instruments.FirstOrDefault(i => metric == i.Prefix || metric.StartsWith(i.Prefix + "_", StringComparison.Ordinal));
        if (match.Instrument is null)
        {
            return null;
        }

        var labels = new HashSet<string>(AloraTelemetry.MetricTags.Of(match.Instrument), StringComparer.Ordinal);
        labels.UnionWith(resourceLabels);
        if (metric.EndsWith("_bucket", StringComparison.Ordinal))
        {
            labels.Add("le");
        }

        return labels;
    }

    /// <summary>What is wrong with a target (<paramref name="expr"/> and its legend): one line per label its series lack.</summary>
    public IReadOnlyList<string> Problems(string expr, string? legend)
    {
        var problems = new List<string>();
        var metrics = MetricName().Matches(expr).Select(m => m.Value).Distinct(StringComparer.Ordinal).ToList();
        if (metrics.Count == 0)
        {
            return [$"'{expr}' queries no alora_ metric"];
        }

        var carried = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        foreach (var metric in metrics)
        {
            if (Carried(metric) is { } labels)
            {
                carried[metric] = labels;
            }
            else
            {
                problems.Add($"'{expr}': {metric} is no ALoRA instrument's series");
            }
        }

        foreach (Match selector in Selector().Matches(expr))
        {
            foreach (Match matcher in Matcher().Matches(selector.Groups["matchers"].Value))
            {
                var label = matcher.Groups["label"].Value;
                if (carried.TryGetValue(selector.Groups["metric"].Value, out var labels) && !labels.Contains(label))
                {
                    problems.Add($"'{expr}': {selector.Groups["metric"].Value} has no label {label}");
                }
            }
        }

        var grouping = Grouping().Matches(expr).SelectMany(m => m.Groups["labels"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToHashSet(StringComparer.Ordinal);
        foreach (var label in grouping)
        {
            problems.AddRange(carried.Where(c => !c.Value.Contains(label)).Select(c => $"'{expr}': groups by {label}, which {c.Key} lacks"));
        }

        // After an aggregation only its "by" labels are left; otherwise the series keep all of theirs.
        var aggregated = Aggregation().IsMatch(expr);
        foreach (var label in LegendLabel().Matches(legend ?? "").Select(m => m.Groups["label"].Value))
        {
            if (aggregated ? !grouping.Contains(label) : carried.Values.Any(c => !c.Contains(label)))
            {
                problems.Add($"legend '{legend}' of '{expr}' uses {{{{{label}}}}}, a label its series do not carry");
            }
        }

        return problems;
    }

    [GeneratedRegex(@"\balora_[a-z0-9_]+\b")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"\b(?<metric>alora_[a-z0-9_]+)\s*\{(?<matchers>[^}]*)\}")]
    private static partial Regex Selector();

    [GeneratedRegex(@"(?<label>[a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)")]
    private static partial Regex Matcher();

    [GeneratedRegex(@"\b(by|without)\s*\((?<labels>[^)]*)\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"\{\{\s*(?<label>[a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}")]
    private static partial Regex LegendLabel();

    [GeneratedRegex(@"\b(sum|avg|min|max|count|group|stddev|stdvar|topk|bottomk|quantile|count_values)\s*((by|without)\s*\([^)]*\)\s*)?\(")]
    private static partial Regex Aggregation();
}
