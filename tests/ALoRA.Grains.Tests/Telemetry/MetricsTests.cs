using System.Diagnostics.Metrics;
using ALoRA.Grains.Diagnostics;
using ALoRA.Grains.Tests.Cluster;
using Microsoft.Extensions.DependencyInjection;
using I = ALoRA.Abstractions.Diagnostics.AloraTelemetry.Instruments;
using T = ALoRA.Abstractions.Diagnostics.AloraTelemetry.MetricTags;

namespace ALoRA.Grains.Tests.Telemetry;

/// <summary>The ALoRA instruments on an in-process cluster (measurements captured with a <see cref="MeterListener"/>).</summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task Sweep_ReportsQueueLength_DeviceTime_TrialsByState_AndTrainingNumbers()
    {
        var engine = new FakeTrainingEngine { Steps = 6, RoundAtStep = 3 };
        using var release = new ManualResetEventSlim(false);
        engine.BeforeStep = (_, _, _) => release.Wait(TimeSpan.FromSeconds(30)); // the first trial waits; the others queue
        await using var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 1, engine: engine);
        using var metrics = new MetricCollector(h.Cluster.Silos.Select(s => s.ServiceProvider.GetRequiredService<IMeterFactory>()));

        var submitted = await h.Sweep("metered").SubmitAsync(Specs.Grid("metered", seeds: 1), null);
        Assert.Equal(4, submitted.Trials);
        await h.WaitForAsync(() => Task.FromResult(engine.Running.Count), n => n == 1, what: "one running trial");
        metrics.Observe();
        Assert.Equal(3, metrics.Of(I.QueueLength)[^1].Value);
        Assert.Equal(1, metrics.Sum(I.Trials, T.State, "running"));
        Assert.Equal(3, metrics.Sum(I.Trials, T.State, "queued"));

        release.Set();
        var status = await h.WaitForSweepAsync("metered");

        metrics.Observe();
        Assert.Equal(0, metrics.Of(I.QueueLength)[^1].Value);
        Assert.Equal(4, metrics.Sum(I.Trials, T.State, "completed"));
        Assert.Equal(0, metrics.Sum(I.Trials, T.State, "queued"));
        Assert.Equal(0, metrics.Sum(I.Trials, T.State, "running"));
        Assert.True(metrics.Sum(I.DeviceBusy, T.Device, "cpu:0") > 0);
        Assert.All(metrics.Of(I.DeviceBusy), m => Assert.StartsWith(h.Cluster.Silos[0].Name + "/cpu:0", (string)m.Tags[T.Trainer]!));
        Assert.Equal(4 * 6, metrics.Of(I.TokensPerSecond).Count);
        Assert.All(metrics.Of(I.TokensPerSecond), m => Assert.Equal(1000, m.Value));
        foreach (var trial in status.Trials)
        {
            var losses = metrics.Of(I.TrainingLoss).Where(m => Equals(m.Tags[T.Trial], trial.TrialId)).ToList();
            Assert.Equal(6, losses.Count);
            Assert.Equal(1.0 / 6, losses[^1].Value);
            Assert.Equal(trial.Method, losses[^1].Tags[T.Method]);
        }

        // Only the alora trials report allocation rounds: 3 + 5 active ranks after the round, 0.01 s of scoring each.
        var ranks = metrics.Of(I.ActiveRanks);
        Assert.Equal(2, ranks.Count);
        Assert.All(ranks, m => Assert.Equal(8, m.Value));
        Assert.All(ranks, m => Assert.Equal("alora", m.Tags[T.Method]));
        Assert.Equal(2, metrics.Of(I.ScoringRound).Count);
        Assert.Equal(0.02, metrics.Sum(I.ScoringRound), 9);
    }

    [Fact]
    public void Instruments_HaveThePrometheusNamesTheDashboardsUse()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        var published = new List<Instrument>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    published.Add(instrument);
                }
            },
        };
        listener.Start();

        var instruments = new AloraInstruments(factory);

        Assert.Equal("ALoRA.Orleans", instruments.Meter.Name);
        Assert.Equal(
            new[]
            {
                "alora_active_ranks", "alora_device_busy_seconds_total", "alora_queue_length", "alora_scoring_round_seconds",
                "alora_tokens_per_second", "alora_training_loss", "alora_trials",
            },
            published.Select(PrometheusName).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// The name OpenTelemetry's Prometheus translation gives an instrument: dots become underscores, the unit adds its
    /// suffix (<c>s</c>: <c>_seconds</c>, <c>1</c>: <c>_ratio</c>) unless the name ends with it, monotonic counters add
    /// <c>_total</c>.
    /// </summary>
    private static string PrometheusName(Instrument instrument)
    {
        var name = instrument.Name.Replace('.', '_');
        var suffix = instrument.Unit switch
        {
            null or "" => "",
            "s" => "_seconds",
            "1" => "_ratio",
            var other => "_" + other,
        };
        if (!name.EndsWith(suffix, StringComparison.Ordinal))
        {
            name += suffix;
        }

        return instrument is Counter<double> or Counter<long> ? name + "_total" : name;
    }
}
