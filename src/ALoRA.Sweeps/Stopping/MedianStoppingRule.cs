using ALoRA.Abstractions.Sweeps;

namespace ALoRA.Sweeps.Stopping;

/// <summary>
/// The median stopping rule (Golovin et al. 2017, Google Vizier; Ray Tune's MedianStoppingRule). Every evaluation is
/// recorded. At an evaluation at step t >= <c>grace_period</c>, the other trials that have reached t (an evaluation at a
/// step >= t recorded) each have a running average: the mean of their values at evaluations at steps &lt;= t. Once at
/// least <c>min_trials</c> of them have a finite one, the trial stops iff its best value at steps &lt;= t (this one
/// included) is strictly worse than the median of those averages (for an even count, the mean of the two middle ones).
/// A tie with the median continues; a trial whose values are all NaN stops once the median exists; averages that are
/// NaN (a diverged trial) are left out. A repeated report of a recorded (trial, step) returns the recorded decision, and
/// once a trial was told to stop, every later report of it gets that decision again.
/// </summary>
public sealed class MedianStoppingRule : StoppingRule
{
    private readonly Dictionary<string, SortedDictionary<int, StoppingRecord>> _trials = new(StringComparer.Ordinal);

    /// <summary>A median rule with nothing recorded.</summary>
    /// <param name="settings">Settings of type <see cref="StoppingTypes.Median"/>.</param>
    public MedianStoppingRule(StoppingSettings settings)
        : base(settings)
    {
        if (settings.GracePeriodSteps < 1 || settings.MinTrials < 1)
        {
            throw new ArgumentException($"the median rule needs grace_period >= 1 step and min_trials >= 1; got {settings}", nameof(settings));
        }
    }

    /// <inheritdoc />
    protected override (StoppingRecord? Recorded, StoppingRecord? Created) Decide(string trialId, int step, double value)
    {
        if (_trials.TryGetValue(trialId, out var own) && own.TryGetValue(step, out var recorded))
        {
            return (recorded, null);
        }

        if (own?.Values.FirstOrDefault(r => r.Stop && r.Step <= step) is { } stopped)
        {
            return (stopped, null); // told to stop already: the decision stands, nothing more is recorded
        }

        var record = new StoppingRecord { TrialId = trialId, Step = step, Value = value };
        if (step < Settings.GracePeriodSteps)
        {
            return (null, record);
        }

        var averages = _trials
            .Where(t => t.Key != trialId && t.Value.Count > 0 && t.Value.Keys.Max() >= step)
            .Select(t => t.Value.Where(e => e.Key <= step).Select(e => e.Value.Value).DefaultIfEmpty(double.NaN).Average())
            .Where(double.IsFinite)
            .Order()
            .ToList();
        if (averages.Count < Settings.MinTrials)
        {
            return (null, record);
        }

        var median = averages.Count % 2 == 1
            ? averages[averages.Count / 2]
            : (averages[(averages.Count / 2) - 1] + averages[averages.Count / 2]) / 2;
        var best = value;
        foreach (var v in own?.Where(e => e.Key <= step).Select(e => e.Value.Value) ?? [])
        {
            best = Better(v, best) ? v : best;
        }

        if (!Better(median, best))
        {
            return (null, record);
        }

        return (null, record with
        {
            Stop = true,
            Reason = $"stopped at step {step}: best {Settings.Metric} {Format(best)} is worse than the median {Format(median)} "
                + $"of the running averages of the {averages.Count} other trials that reached step {step}",
        });
    }

    /// <inheritdoc />
    protected override void Index(StoppingRecord record)
    {
        if (!_trials.TryGetValue(record.TrialId, out var steps))
        {
            _trials[record.TrialId] = steps = [];
        }

        steps[record.Step] = record;
    }
}
