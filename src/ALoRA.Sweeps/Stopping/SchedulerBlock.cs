using System.Globalization;
using ALoRA.Abstractions.Sweeps;

namespace ALoRA.Sweeps.Stopping;

/// <summary>
/// The spec's <c>scheduler</c> block (docs/sweep-spec.md, "scheduler"): one reader for the client's YAML and the silo's
/// received definition, which both hand it the values written as text. Values are single (not searchable).
/// </summary>
public static class SchedulerBlock
{
    /// <summary>The block's key at the top level of a spec.</summary>
    public const string Key = "scheduler";

    /// <summary>Default of <c>reduction_factor</c>.</summary>
    public const int DefaultReductionFactor = 3;

    /// <summary>Default of <c>min_trials</c>.</summary>
    public const int DefaultMinTrials = 3;

    /// <summary>The metrics a decision can compare: the ones measured at every evaluation point.</summary>
    public static IReadOnlyList<string> Metrics { get; } = ["dev_loss", "dev_accuracy"];

    /// <summary>The block's keys, in documentation order.</summary>
    public static IReadOnlyList<string> Keys { get; } = ["type", "metric", "grace_period", "reduction_factor", "max_rungs", "min_trials"];

    /// <summary>The keys each type takes besides <c>type</c>.</summary>
    internal static IReadOnlyDictionary<string, IReadOnlyList<string>> KeysOf { get; } = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
    {
        [StoppingTypes.None] = [],
        [StoppingTypes.Asha] = ["metric", "grace_period", "reduction_factor", "max_rungs"],
        [StoppingTypes.Median] = ["metric", "grace_period", "min_trials"],
    };

    /// <summary>
    /// The settings the written keys describe, or null for <c>type: none</c> or when there are errors (each reported
    /// through <paramref name="error"/> with the key's YAML path, <c>scheduler.reduction_factor</c>).
    /// </summary>
    /// <param name="written">The keys written (without the <c>scheduler.</c> prefix) and their values as text (null: YAML null).</param>
    /// <param name="sweepMetric">The sweep's <c>metric</c>: the default of <c>metric</c> (its dev_ form).</param>
    /// <param name="task">The sweep's task: <c>prompt</c> produces no accuracy.</param>
    /// <param name="error">Receives (path, message) for each problem.</param>
    public static StoppingSettings? Read(IReadOnlyDictionary<string, string?> written, string sweepMetric, string? task, Action<string, string> error)
    {
        ArgumentNullException.ThrowIfNull(written);
        ArgumentNullException.ThrowIfNull(error);
        var failed = false;
        void Fail(string key, string message)
        {
            failed = true;
            error($"{Key}.{key}", message);
        }

        foreach (var key in written.Keys.Where(k => !Keys.Contains(k)))
        {
            Fail(key, $"unknown key '{key}' in scheduler{SpecReader.DidYouMean(key, Keys)}; expected one of {string.Join(", ", Keys)}");
        }

        if (!written.TryGetValue("type", out var type))
        {
            Fail("type", $"scheduler.type is required: one of {string.Join(", ", StoppingTypes.All)}");
            return null;
        }

        if (type is null || !StoppingTypes.All.Contains(type))
        {
            Fail("type", $"unknown scheduler.type '{type ?? "null"}'; expected one of {string.Join(", ", StoppingTypes.All)}{SpecReader.DidYouMean(type ?? "", StoppingTypes.All)}");
            return null;
        }

        foreach (var key in written.Keys.Where(k => k != "type" && Keys.Contains(k) && !KeysOf[type].Contains(k)))
        {
            var users = KeysOf.Where(t => t.Value.Contains(key)).Select(t => t.Key);
            Fail(key, $"scheduler.{key} is not used by type {type} (only by {string.Join(", ", users)})");
        }

        var higherIsBetter = !sweepMetric.EndsWith("_loss", StringComparison.Ordinal);
        var metric = "dev_" + sweepMetric[(sweepMetric.IndexOf('_', StringComparison.Ordinal) + 1)..];
        if (metric == "dev_accuracy" && task == "prompt")
        {
            metric = "dev_loss"; // the default follows the sweep's metric where the task measures it
            higherIsBetter = false;
        }

        if (written.TryGetValue("metric", out var m))
        {
            if (m is null || !Metrics.Contains(m))
            {
                var why = m is not null && SpecSchema.Metrics.Contains(m) ? $"; {m} is measured once, at the end, not at evaluation points" : "";
                Fail("metric", $"unknown scheduler.metric '{m ?? "null"}'; expected one of {string.Join(", ", Metrics)}{why}");
            }
            else if (m == "dev_accuracy" && task == "prompt")
            {
                Fail("metric", "scheduler.metric dev_accuracy: task prompt produces no accuracy (only a loss); use dev_loss");
            }
            else
            {
                metric = m;
                higherIsBetter = m == "dev_accuracy";
            }
        }

        var grace = 0;
        if (written.TryGetValue("grace_period", out var g))
        {
            if (!ScheduleLength.TryParse(g, out var length, out var message))
            {
                Fail("grace_period", $"scheduler.grace_period: {message}");
            }
            else if (length.Unit != ScheduleUnit.Steps || length.Value < 1 || length.Value > int.MaxValue)
            {
                Fail("grace_period", $"scheduler.grace_period must be a number of optimizer steps >= 1 such as 200steps, got '{g}' (decisions are taken at evaluation points, which are counted in steps)");
            }
            else
            {
                grace = (int)length.Value;
            }
        }
        else if (type != StoppingTypes.None)
        {
            Fail("grace_period", $"scheduler.grace_period is required for type {type}: the steps before any decision, such as 200steps");
        }

        var factor = Integer(written, "reduction_factor", 2, DefaultReductionFactor, Fail);
        var rungs = written.ContainsKey("max_rungs") ? Integer(written, "max_rungs", 1, 0, Fail) : (int?)null;
        var minTrials = Integer(written, "min_trials", 1, DefaultMinTrials, Fail);
        if (failed || type == StoppingTypes.None)
        {
            return null;
        }

        return new StoppingSettings
        {
            Type = type,
            Metric = metric,
            HigherIsBetter = higherIsBetter,
            GracePeriodSteps = grace,
            ReductionFactor = factor,
            MaxRungs = rungs,
            MinTrials = minTrials,
        };
    }

    /// <summary>The canonical form hashed into the spec hash (only for an active scheduler: a spec without one keeps its hash).</summary>
    /// <param name="settings">Active settings.</param>
    internal static SortedDictionary<string, object?> Canonical(StoppingSettings settings) => new(StringComparer.Ordinal)
    {
        ["type"] = settings.Type,
        ["metric"] = settings.Metric,
        ["grace_period"] = settings.GracePeriodSteps.ToString(CultureInfo.InvariantCulture) + "steps",
        ["reduction_factor"] = settings.Type == StoppingTypes.Asha ? (long)settings.ReductionFactor : null,
        ["max_rungs"] = settings.Type == StoppingTypes.Asha ? (long?)settings.MaxRungs : null,
        ["min_trials"] = settings.Type == StoppingTypes.Median ? (long)settings.MinTrials : null,
    };

    private static int Integer(IReadOnlyDictionary<string, string?> written, string key, int min, int fallback, Action<string, string> fail)
    {
        if (!written.TryGetValue(key, out var text))
        {
            return fallback;
        }

        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            fail(key, $"scheduler.{key} must be an integer, got {text ?? "null"}");
            return fallback;
        }

        if (value < min || value > int.MaxValue)
        {
            fail(key, $"scheduler.{key} must be >= {min}, got {value}");
            return fallback;
        }

        return (int)value;
    }
}
