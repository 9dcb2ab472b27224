using ALoRA.Abstractions.Sweeps;

namespace ALoRA.Sweeps.Stopping;

/// <summary>
/// Asynchronous successive halving (ASHA, Li et al. 2020; Ray Tune's AsyncHyperBand with one bracket). Rung k (1, 2, ...)
/// sits at <c>grace_period × reduction_factor^(k-1)</c> steps, at most <c>max_rungs</c> of them. A trial reaches a rung at
/// its first evaluation at or after the rung's step, with the metric's value of that evaluation; it continues iff fewer
/// than <c>ceil(n / reduction_factor)</c> of the n values recorded at that rung so far (its own included) are strictly
/// better than its own:
/// <list type="bullet">
/// <item>ties continue: equal values are not better, so every trial tied with the last kept one continues;</item>
/// <item>few arrivals: the first trial at a rung always continues (ceil(1/rf) = 1), and while n &lt;= rf only a trial
/// better than or equal to every earlier arrival continues;</item>
/// <item>late arrivals: a trial reaching a rung after others compares with all values recorded there, and decisions
/// already taken are never revisited (the asynchronous part), so a weak early trial may have continued where a late
/// one with the same value stops;</item>
/// <item>an evaluation that skips rungs (its interval is longer than a rung's gap) records only at the highest rung it
/// reached; a trial is never recorded twice at one rung, and a repeated report of a recorded (trial, rung) returns the
/// recorded decision; once a trial was told to stop, every report of it at that rung or later gets that decision again
/// (an answer that was lost never lets it reach the next rung).</item>
/// </list>
/// NaN (a diverged loss) is worse than every number.
/// </summary>
public sealed class AshaRule : StoppingRule
{
    private readonly Dictionary<int, List<double>> _rungValues = [];
    private readonly Dictionary<string, SortedDictionary<int, StoppingRecord>> _trials = new(StringComparer.Ordinal);

    /// <summary>An ASHA rule with nothing recorded.</summary>
    /// <param name="settings">Settings of type <see cref="StoppingTypes.Asha"/>.</param>
    public AshaRule(StoppingSettings settings)
        : base(settings)
    {
        if (settings.GracePeriodSteps < 1 || settings.ReductionFactor < 2 || settings.MaxRungs is < 1)
        {
            throw new ArgumentException($"ASHA needs grace_period >= 1 step, reduction_factor >= 2 and max_rungs >= 1; got {settings}", nameof(settings));
        }
    }

    /// <summary>The step of rung <paramref name="rung"/> (1-based), saturating at <see cref="long.MaxValue"/>.</summary>
    /// <param name="rung">A rung number, 1 or more.</param>
    public long Milestone(int rung)
    {
        var step = (long)Settings.GracePeriodSteps;
        for (var k = 1; k < rung; k++)
        {
            if (step > long.MaxValue / Settings.ReductionFactor)
            {
                return long.MaxValue;
            }

            step *= Settings.ReductionFactor;
        }

        return step;
    }

    /// <summary>The highest rung whose step is at or before <paramref name="step"/>, or 0 before the grace period.</summary>
    /// <param name="step">An optimizer step.</param>
    public int RungAt(int step)
    {
        var rung = 0;
        while ((Settings.MaxRungs is not { } max || rung < max) && Milestone(rung + 1) <= step)
        {
            rung++;
        }

        return rung;
    }

    /// <inheritdoc />
    protected override (StoppingRecord? Recorded, StoppingRecord? Created) Decide(string trialId, int step, double value)
    {
        var rung = RungAt(step);
        if (rung == 0)
        {
            return (null, null);
        }

        var rungs = _trials.GetValueOrDefault(trialId);
        if (rungs?.Values.FirstOrDefault(r => r.Stop && r.Rung <= rung) is { } stopped)
        {
            // Told to stop already (the answer was lost, or a retried attempt got this far again): the decision stands.
            return (stopped, null);
        }

        if (rungs is { Count: > 0 } && rungs.Keys.Max() >= rung)
        {
            // A repeated report (a retried attempt re-reaching a rung): the decision taken then. A rung it skipped
            // below one it reached is not filled in later.
            return (rungs.GetValueOrDefault(rung), null);
        }

        var values = _rungValues.GetValueOrDefault(rung) ?? [];
        var n = values.Count + 1;
        var better = values.Count(v => Better(v, value));
        var keep = (n + Settings.ReductionFactor - 1) / Settings.ReductionFactor;
        var stop = better >= keep;
        return (null, new StoppingRecord
        {
            TrialId = trialId,
            Step = step,
            Rung = rung,
            Value = value,
            Stop = stop,
            Reason = stop
                ? $"stopped at step {step}: rung {rung}, below the top 1/{Settings.ReductionFactor} ({Settings.Metric} {Format(value)}; "
                  + $"{better} of the {n} values recorded at rung {rung} (step {Milestone(rung)}) are better, {keep} continue)"
                : null,
        });
    }

    /// <inheritdoc />
    protected override void Index(StoppingRecord record)
    {
        if (!_rungValues.TryGetValue(record.Rung, out var values))
        {
            _rungValues[record.Rung] = values = [];
        }

        values.Add(record.Value);
        if (!_trials.TryGetValue(record.TrialId, out var rungs))
        {
            _trials[record.TrialId] = rungs = [];
        }

        rungs[record.Rung] = record;
    }
}
