using System.Globalization;
using ALoRA.Abstractions.Sweeps;

namespace ALoRA.Sweeps.Stopping;

/// <summary>
/// A sweep's early-stopping rule (docs/sweep-spec.md, "scheduler"): told each evaluation of each trial in arrival order,
/// it answers whether the trial stops there. Pure (no clock, no I/O): its whole state is <see cref="Records"/>, the
/// reports it recorded with their decisions, so a rule rebuilt from them (<see cref="Create"/>) takes the same next
/// decisions as the one that recorded them. A report it already recorded (the same trial at the same rung or step, as a
/// retried attempt re-reaching it after a failover sends) gets the recorded decision again and records nothing.
/// </summary>
public abstract class StoppingRule
{
    private readonly List<StoppingRecord> _records = [];

    /// <summary>A rule with <paramref name="settings"/> and nothing recorded.</summary>
    /// <param name="settings">Active settings (<see cref="StoppingSettings.TakesDecisions"/>).</param>
    protected StoppingRule(StoppingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Settings = settings;
    }

    /// <summary>The settings the rule decides with.</summary>
    public StoppingSettings Settings { get; }

    /// <summary>Every report recorded, in arrival order, with its decision.</summary>
    public IReadOnlyList<StoppingRecord> Records => _records;

    /// <summary>
    /// The rule of <paramref name="settings"/> rebuilt from <paramref name="records"/> (as <see cref="Records"/> held
    /// them), or null when the settings take no decisions (<see cref="StoppingTypes.None"/>).
    /// </summary>
    /// <param name="settings">The sweep's settings.</param>
    /// <param name="records">Records of an earlier rule with the same settings, in arrival order.</param>
    public static StoppingRule? Create(StoppingSettings? settings, IEnumerable<StoppingRecord>? records = null)
    {
        StoppingRule? rule = settings?.Type switch
        {
            StoppingTypes.Asha => new AshaRule(settings),
            StoppingTypes.Median => new MedianStoppingRule(settings),
            _ => null,
        };
        foreach (var record in rule is null ? [] : records ?? [])
        {
            rule!.Restore(record);
        }

        return rule;
    }

    /// <summary>
    /// Decides for the evaluation of <paramref name="trialId"/> at <paramref name="step"/> whose metric is
    /// <paramref name="value"/> (NaN when the evaluation had none: worse than any number).
    /// </summary>
    /// <param name="trialId">The trial.</param>
    /// <param name="step">The optimizer step of the evaluation.</param>
    /// <param name="value">The metric's value there.</param>
    public StoppingDecision Report(string trialId, int step, double value)
    {
        ArgumentNullException.ThrowIfNull(trialId);
        var (recorded, created) = Decide(trialId, step, double.IsFinite(value) ? value : double.NaN);
        if (created is not null)
        {
            Restore(created);
        }

        var record = recorded ?? created;
        return record is { Stop: true } ? new StoppingDecision { Stop = true, Reason = record.Reason } : StoppingDecision.Continue;
    }

    /// <summary>
    /// The decision for a report: the record it repeats (and nothing new), or a new record to append (its
    /// <see cref="StoppingRecord.Stop"/> is the decision), or neither (the trial continues and nothing is recorded).
    /// </summary>
    /// <param name="trialId">The trial.</param>
    /// <param name="step">The evaluation's step.</param>
    /// <param name="value">The metric, NaN when it has none.</param>
    protected abstract (StoppingRecord? Recorded, StoppingRecord? Created) Decide(string trialId, int step, double value);

    /// <summary>Adds a record to the rule's indexes (not to <see cref="Records"/>).</summary>
    /// <param name="record">A record this rule (or one with the same settings) created.</param>
    protected abstract void Index(StoppingRecord record);

    /// <summary>True when <paramref name="a"/> is strictly better than <paramref name="b"/>; NaN is worse than any number, two NaNs tie.</summary>
    /// <param name="a">A value.</param>
    /// <param name="b">Another value.</param>
    protected bool Better(double a, double b) =>
        !double.IsNaN(a) && (double.IsNaN(b) || (Settings.HigherIsBetter ? a > b : a < b));

    /// <summary>A value as messages show it.</summary>
    /// <param name="value">The value.</param>
    protected static string Format(double value) =>
        double.IsNaN(value) ? "NaN" : value.ToString("0.####", CultureInfo.InvariantCulture);

    private void Restore(StoppingRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        _records.Add(record);
        Index(record);
    }
}
