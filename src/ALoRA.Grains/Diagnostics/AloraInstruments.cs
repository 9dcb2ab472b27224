using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ALoRA.Abstractions.Diagnostics;
using ALoRA.Abstractions.Trials;
using I = ALoRA.Abstractions.Diagnostics.AloraTelemetry.Instruments;
using T = ALoRA.Abstractions.Diagnostics.AloraTelemetry.MetricTags;

namespace ALoRA.Grains.Diagnostics;

/// <summary>
/// The silo's ALoRA instruments, in one <see cref="Meter"/> named <see cref="AloraTelemetry.MeterName"/> made by the
/// silo's <see cref="IMeterFactory"/> (so each silo of an in-process test cluster has its own). Grains report through the
/// <c>On{Event}</c> methods; every method is thread-safe and cheap when nobody listens. Prometheus names (after the
/// OpenTelemetry translation) are listed on <see cref="AloraTelemetry.Instruments"/>. The per-trial gauges (loss, active
/// ranks) are observable and read from a table of the trials training on this silo: a trial leaves it when its attempt
/// here ends (<see cref="OnAttemptEnded"/>), so a finished trial is no longer exported.
/// </summary>
public sealed class AloraInstruments
{
    private static readonly double[] TokensPerSecondBuckets = [10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 1_000_000];
    private static readonly double[] ScoringSecondsBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 600];

    private readonly ConcurrentDictionary<string, LiveTrial> _live = new(StringComparer.Ordinal);
    private readonly Histogram<double> _tokensPerSecond;
    private readonly UpDownCounter<long> _trials;
    private readonly Counter<double> _deviceBusy;
    private readonly Histogram<double> _scoringRound;
    private long _queueLength = -1;

    /// <summary>Creates the meter and its instruments.</summary>
    public AloraInstruments(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        Meter = meterFactory.Create(new MeterOptions(AloraTelemetry.MeterName));
        Meter.CreateObservableGauge(I.TrainingLoss, ObserveLoss, description: "Training loss of a trial's last step (trials training on this silo)");
        _tokensPerSecond = Meter.CreateHistogram(
            I.TokensPerSecond, unit: null, description: "Training throughput of each step, in tokens per second", tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = TokensPerSecondBuckets });
        Meter.CreateObservableGauge(I.ActiveRanks, ObserveActiveRanks, description: "Active LoRA ranks of a trial after its last allocation round (trials training on this silo)");
        _trials = Meter.CreateUpDownCounter<long>(I.Trials, description: "Trials by state (experiments active in this silo)");
        _deviceBusy = Meter.CreateCounter<double>(I.DeviceBusy, unit: "s", description: "Time a device spent training");
        _scoringRound = Meter.CreateHistogram(
            I.ScoringRound, unit: "s", description: "Time an ALoRA allocation round spent scoring ranks", tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = ScoringSecondsBuckets });
        Meter.CreateObservableGauge(I.QueueLength, ObserveQueueLength, description: "Trials waiting in the scheduler's queue (reported by the silo hosting the scheduler)");
    }

    /// <summary>The meter (owned by the meter factory).</summary>
    public Meter Meter { get; }

    /// <summary>A training step of attempt <paramref name="attempt"/> finished: its loss and throughput.</summary>
    public void OnStep(string trialId, int attempt, string method, string device, double? loss, double? tokensPerSecond)
    {
        if (loss is { } l && double.IsFinite(l))
        {
            _live.AddOrUpdate(trialId, static (_, a) => new LiveTrial(a.attempt, a.method, a.l, null), static (_, t, a) => t.Attempt > a.attempt ? t : t with { Attempt = a.attempt, Loss = a.l }, (attempt, method, l));
        }

        if (tokensPerSecond is { } tps && double.IsFinite(tps) && tps >= 0)
        {
            _tokensPerSecond.Record(tps, new(T.Method, method), new(T.Device, device));
        }
    }

    /// <summary>An allocation round of attempt <paramref name="attempt"/> finished: the trial's active ranks after it and the time spent scoring.</summary>
    public void OnAllocationRound(string trialId, int attempt, string method, long activeRanks, double scoringSeconds)
    {
        _live.AddOrUpdate(trialId, static (_, a) => new LiveTrial(a.attempt, a.method, null, a.activeRanks), static (_, t, a) => t.Attempt > a.attempt ? t : t with { Attempt = a.attempt, ActiveRanks = a.activeRanks }, (attempt, method, activeRanks));
        if (double.IsFinite(scoringSeconds) && scoringSeconds >= 0)
        {
            _scoringRound.Record(scoringSeconds, new KeyValuePair<string, object?>(T.Method, method));
        }
    }

    /// <summary>
    /// A trial's state as counted by this silo changed: <paramref name="from"/> (null: it was not counted, e.g. its
    /// experiment just activated) to <paramref name="to"/> (null: no longer counted, e.g. it deactivated).
    /// </summary>
    public void OnTrialStateChanged(TrialState? from, TrialState? to)
    {
        if (from == to)
        {
            return;
        }

        if (from is { } f)
        {
            _trials.Add(-1, new KeyValuePair<string, object?>(T.State, StateName(f)));
        }

        if (to is { } t)
        {
            _trials.Add(1, new KeyValuePair<string, object?>(T.State, StateName(t)));
        }
    }

    /// <summary>The scheduler (hosted in this silo) has <paramref name="queued"/> trials waiting; null: it left this silo.</summary>
    public void OnQueueChanged(int? queued) => Interlocked.Exchange(ref _queueLength, queued ?? -1);

    /// <summary>A device trained for <paramref name="seconds"/>.</summary>
    public void OnDeviceBusy(string device, string trainer, double seconds)
    {
        if (double.IsFinite(seconds) && seconds > 0)
        {
            _deviceBusy.Add(seconds, new(T.Device, device), new(T.Trainer, trainer));
        }
    }

    /// <summary>
    /// Attempt <paramref name="attempt"/> of <paramref name="trialId"/> stopped training on this silo (finished, failed,
    /// cancelled, drained or stale): its loss and active ranks are no longer reported, unless a later attempt already
    /// reports here.
    /// </summary>
    public void OnAttemptEnded(string trialId, int attempt)
    {
        if (_live.TryGetValue(trialId, out var trial) && trial.Attempt <= attempt)
        {
            _live.TryRemove(new KeyValuePair<string, LiveTrial>(trialId, trial));
        }
    }

    /// <summary>The <c>state</c> tag value of <paramref name="state"/>.</summary>
    public static string StateName(TrialState state) => state switch
    {
        TrialState.Queued => "queued",
        TrialState.Running => "running",
        TrialState.Completed => "completed",
        TrialState.Failed => "failed",
        TrialState.Cancelled => "cancelled",
        TrialState.Stopped => "stopped",
        _ => state.ToString().ToLowerInvariant(),
    };

    private IEnumerable<Measurement<double>> ObserveLoss() =>
        _live.Where(t => t.Value.Loss is not null)
            .Select(t => new Measurement<double>(t.Value.Loss!.Value, new(T.Trial, t.Key), new(T.Method, t.Value.Method)))
            .ToList();

    private IEnumerable<Measurement<long>> ObserveActiveRanks() =>
        _live.Where(t => t.Value.ActiveRanks is not null)
            .Select(t => new Measurement<long>(t.Value.ActiveRanks!.Value, new(T.Trial, t.Key), new(T.Method, t.Value.Method)))
            .ToList();

    private IEnumerable<Measurement<long>> ObserveQueueLength()
    {
        var queued = Interlocked.Read(ref _queueLength);
        return queued < 0 ? [] : [new Measurement<long>(queued)];
    }
}
