using System.Diagnostics.Metrics;
using System.Reflection;
using ALoRA.Abstractions.Trials;
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
        using var gate = new SemaphoreSlim(0);
        engine.BeforeStep = (_, _, step) =>
        {
            if (step == 4)
            {
                gate.Wait(TimeSpan.FromSeconds(30)); // each trial stops after step 3 (and its round) until the test lets it go
            }
        };
        await using var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 1, engine: engine);
        using var metrics = new MetricCollector(h.Cluster.Silos.Select(s => s.ServiceProvider.GetRequiredService<IMeterFactory>()));

        var submitted = await h.Sweep("metered").SubmitAsync(Specs.Parsed(Specs.Grid("metered", seeds: 1)));
        Assert.Equal(4, submitted.Trials);
        var methods = (await h.Sweep("metered").GetStatusAsync()).Trials.ToDictionary(t => t.TrialId, t => t.Method);
        var finished = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 4; i++)
        {
            // One trial trains at a time: the loss and ranks gauges report it, and not the trials that finished before.
            var held = await h.WaitForAsync(
                () => Task.FromResult(metrics.Observe()),
                o => o.By(I.TrainingLoss, T.Trial).Keys.Except(finished).Count() == 1
                     && o.By(I.TrainingLoss, T.Trial).Values.All(v => v == 1.0 / 3)
                     && o.Of(I.ActiveRanks).Count == o.Of(I.TrainingLoss).Count(m => !Equals(m.Tags[T.Method], "lora")),
                what: $"trial {i + 1}'s loss after step 3");
            var trial = Assert.Single(held.By(I.TrainingLoss, T.Trial)).Key;
            Assert.DoesNotContain(trial, finished);
            Assert.Equal(methods[trial], Assert.Single(held.Of(I.TrainingLoss)).Tags[T.Method]);
            if (methods[trial] == "lora")
            {
                Assert.Empty(held.Of(I.ActiveRanks));
            }
            else
            {
                // 3 + 5 active ranks after the round.
                Assert.Equal(new Dictionary<string, double> { [trial] = 8 }, held.By(I.ActiveRanks, T.Trial));
            }

            if (i == 0)
            {
                Assert.Equal(3, Assert.Single(held.Of(I.QueueLength)).Value);
                Assert.Equal(1, metrics.Sum(I.Trials, T.State, "running"));
                Assert.Equal(3, metrics.Sum(I.Trials, T.State, "queued"));
            }

            finished.Add(trial);
            gate.Release();
        }

        await h.WaitForSweepAsync("metered");

        // The last attempt has ended on the silo: no trial is reported any more.
        var after = await h.WaitForAsync(
            () => Task.FromResult(metrics.Observe()),
            o => o.Of(I.TrainingLoss).Count == 0 && o.Of(I.ActiveRanks).Count == 0,
            what: "the loss and ranks gauges to drop the finished trials");
        Assert.Equal(0, Assert.Single(after.Of(I.QueueLength)).Value);
        Assert.Equal(4, metrics.Sum(I.Trials, T.State, "completed"));
        Assert.Equal(0, metrics.Sum(I.Trials, T.State, "queued"));
        Assert.Equal(0, metrics.Sum(I.Trials, T.State, "running"));
        Assert.True(metrics.Sum(I.DeviceBusy, T.Device, "cpu:0") > 0);
        Assert.All(metrics.Of(I.DeviceBusy), m => Assert.StartsWith(h.Cluster.Silos[0].Name + "/cpu:0", (string)m.Tags[T.Trainer]!));
        Assert.Equal(4 * 6, metrics.Of(I.TokensPerSecond).Count);
        Assert.All(metrics.Of(I.TokensPerSecond), m => Assert.Equal(1000, m.Value));

        // Only the alora trials report allocation rounds, 0.01 s of scoring each.
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

    [Fact]
    public void Instruments_RecordExactlyTheTagsDeclaredForThem()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        using var metrics = new MetricCollector([factory]);
        var instruments = new AloraInstruments(factory);

        instruments.OnStep("s-1", 1, "alora", "cpu:0", loss: 0.5, tokensPerSecond: 100);
        instruments.OnAllocationRound("s-1", 1, "alora", activeRanks: 8, scoringSeconds: 0.01);
        instruments.OnTrialStateChanged(null, TrialState.Running);
        instruments.OnQueueChanged(2);
        instruments.OnDeviceBusy("cpu:0", "node/cpu:0", 1.5);
        metrics.Observe();

        var names = typeof(I).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToList();
        Assert.Equal(7, names.Count);
        foreach (var name in names)
        {
            var measured = metrics.Of(name);
            Assert.True(measured.Count > 0, $"{name} recorded nothing");
            Assert.All(measured, m => Assert.Equal(T.Of(name).Order(StringComparer.Ordinal), m.Tags.Keys.Order(StringComparer.Ordinal)));
        }
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
