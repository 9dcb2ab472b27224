using System.Globalization;
using ALoRA.Abstractions.Grains;
using ALoRA.Abstractions.Sweeps;
using ALoRA.Abstractions.Trials;
using ALoRA.Sweeps.Stopping;
using Xunit.Abstractions;

namespace ALoRA.Grains.Tests.Cluster;

/// <summary>
/// Early stopping across trials on a real in-process cluster with the fake engine (docs/sweep-spec.md, "scheduler"). One
/// trainer runs the four trials one after the other, so the arrival order at the rungs is the queue's; the expected
/// decisions are the ASHA rule worked by hand. The trials' dev loss is learning_rate x 1000 x (1 + 10 / step):
/// trial 0 (lr 0.001) 2.0 at step 10, trial 1 (0.002) 4.0, trial 2 (0.003) 6.0, trial 3 (0.0005) 1.0, the same order at
/// every step. Rungs (grace 10 steps, factor 2) at 10, 20, 40, 80, 160. At rung 1: trial 0 first (continues); trial 1,
/// n = 2, keep 1, one better: stops; trial 2, n = 3, keep 2, two better: stops; trial 3 best: continues. Trials 0 and 3
/// are then first or best at every later rung and complete.
/// </summary>
public sealed class EarlyStoppingTests(ITestOutputHelper log)
{
    private const int Steps = 200;

    private static readonly (int Trial, int Rung, bool Stop)[] ExpectedRecords =
    [
        (0, 1, false), (0, 2, false), (0, 3, false), (0, 4, false), (0, 5, false),
        (1, 1, true),
        (2, 1, true),
        (3, 1, false), (3, 2, false), (3, 3, false), (3, 4, false), (3, 5, false),
    ];

    private const string Asha = "{type: asha, metric: dev_loss, grace_period: 10steps, reduction_factor: 2}";

    private static string Spec(string id, string scheduler = Asha) => $$"""
        id: {{id}}
        model: {{RepositoryPaths.Stories260K}}
        data: {{RepositoryPaths.Sst2}}
        task: sst2
        metric: dev_loss
        method: lora
        training: {learning_rate: {grid_search: [0.001, 0.002, 0.003, 0.0005]}, max_steps: {{Steps}}}
        scheduler: {{scheduler}}
        """;

    private static FakeTrainingEngine Engine() => new()
    {
        Steps = Steps,
        StepDelay = TimeSpan.FromMilliseconds(5),
        EvalEvery = 10,
        CheckpointEvery = 10,
        DevLossOf = (spec, step) => spec.Training.LearningRate * 1000 * (1 + (10.0 / step)),
    };

    [Fact]
    public async Task Asha_StopsTheWeakTrials_KeepsTheirHistory_AndTheFreedTrainerTakesTheNextTrial()
    {
        var engine = Engine();
        await using var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 1, engine: engine);
        await h.Sweep("asha").SubmitAsync(Specs.Parsed(Spec("asha")));

        var status = await h.WaitForSweepAsync("asha", timeout: TimeSpan.FromMinutes(2));
        var trials = status.Trials.OrderBy(t => t.Index).ToList();

        Assert.Equal([TrialState.Completed, TrialState.Stopped, TrialState.Stopped, TrialState.Completed], trials.Select(t => t.State));
        log.WriteLine($"steps trained: {string.Join(", ", trials.Select(t => t.Step))} ({trials.Sum(t => t.Step)} of {4 * Steps} without early stopping)");
        foreach (var stopped in trials.Where(t => t.State == TrialState.Stopped))
        {
            Assert.StartsWith("stopped at step 10: rung 1, below the top 1/2 (dev_loss ", stopped.Error, StringComparison.Ordinal);
            Assert.InRange(stopped.Step, 10, Steps - 1); // the job was stopped, not run to its end
            Assert.Null(stopped.Result);
            Assert.Equal(1, stopped.Attempt); // not requeued

            // History and checkpoint are kept.
            var details = await h.SiloGrains.GetGrain<IExperimentGrain>(stopped.TrialId).GetDetailsAsync();
            Assert.Contains(details.Evaluations, e => e.Step == 10 && e.DevLoss is > 3.9);
            Assert.Contains(details.Attempts, a => a.StartsWith("attempt 1: stopped at step 10: rung 1", StringComparison.Ordinal));
            var checkpoint = Assert.Single(Directory.GetFiles(h.Directory, "fake-step", SearchOption.AllDirectories), f => f.Contains(stopped.TrialId, StringComparison.Ordinal));
            Assert.InRange(int.Parse(await File.ReadAllTextAsync(checkpoint), CultureInfo.InvariantCulture), 10, Steps - 1);
        }

        // Only the continued trials trained to the end; the one trainer ran the four in queue order, once each: after a
        // stop it took the next queued trial.
        Assert.Equal(new[] { trials[0].TrialId, trials[3].TrialId }.Order(StringComparer.Ordinal), engine.Completions.Select(c => c.TrialId).Order(StringComparer.Ordinal));
        Assert.Equal(trials.Select(t => (t.TrialId, 1)), engine.Starts.Select(s => (s.TrialId, s.Attempt)));
        Assert.Single(engine.Starts.Select(s => s.Device).Distinct());

        await AssertRecordsAsync(h, "asha", trials);
        var cluster = await h.Scheduler.GetClusterStatusAsync();
        Assert.Equal((0, 0), (cluster.Queued, cluster.Running));
        Assert.All(cluster.Trainers, t => Assert.Null(t.Trial));
    }

    [Fact]
    public async Task Median_StopsTheTrialWorseThanTheMedianOfTheOthers_AndTheFreedTrainerTakesTheNextTrial()
    {
        // Worked by hand (grace 20 steps, min_trials 2; evaluations every 10 steps). Trials 0 and 1 never have two others
        // that reached their step: they complete. Trial 2 at step 20: the others' running averages are trial 0's
        // (2.0 + 1.5) / 2 = 1.75 and trial 1's (4.0 + 3.0) / 2 = 3.5, median 2.625; its best is 4.5: stops. Trial 3's
        // best (0.75 at step 20, 0.5 x (1 + 10 / t) later) is below trial 0's running average at every step: completes.
        var engine = Engine();
        await using var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 1, engine: engine);
        await h.Sweep("median").SubmitAsync(Specs.Parsed(Spec("median", "{type: median, metric: dev_loss, grace_period: 20steps, min_trials: 2}")));

        var status = await h.WaitForSweepAsync("median", timeout: TimeSpan.FromMinutes(2));
        var trials = status.Trials.OrderBy(t => t.Index).ToList();

        Assert.Equal([TrialState.Completed, TrialState.Completed, TrialState.Stopped, TrialState.Completed], trials.Select(t => t.State));
        Assert.Equal("stopped at step 20: best dev_loss 4.5 is worse than the median 2.625 of the running averages of the 2 other trials that reached step 20", trials[2].Error);
        Assert.InRange(trials[2].Step, 20, Steps - 1);
        Assert.Equal(trials.Select(t => (t.TrialId, 1)), engine.Starts.Select(s => (s.TrialId, s.Attempt))); // in queue order, once each
        var records = await h.SiloGrains.GetGrain<IStoppingGrain>("median").GetRecordsAsync();
        Assert.Equal([(trials[2].TrialId, 20)], records.Where(r => r.Stop).Select(r => (r.TrialId, r.Step)));
        Assert.Equal(Enumerable.Range(1, Steps / 10).Select(i => 10 * i), records.Where(r => r.TrialId == trials[3].TrialId).Select(r => r.Step));
        var cluster = await h.Scheduler.GetClusterStatusAsync();
        Assert.Equal((0, 0), (cluster.Queued, cluster.Running));
    }

    [Fact]
    public async Task ClusterRestart_WhileATrialHeadsForARung_DecisionsContinueFromThePersistedRecords()
    {
        var engine = Engine();
        using var held = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        string? third = null;
        engine.BeforeStep = (trial, attempt, step) =>
        {
            if (trial == third && attempt == 1 && step == 5)
            {
                held.Set();
                release.Wait(TimeSpan.FromSeconds(30));
            }
        };
        await using var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 1, engine: engine);
        var submitted = await h.Sweep("asha-restart").SubmitAsync(Specs.Parsed(Spec("asha-restart")));
        var ids = (await h.Sweep("asha-restart").GetStatusAsync()).Trials.OrderBy(t => t.Index).Select(t => t.TrialId).ToList();
        third = ids[2];

        // Trial 2 is held before its first rung, after trials 0 and 1 were recorded there; every silo then stops (the
        // stopping grain's activation goes with it) and a new cluster takes over from storage. Trial 2, requeued at the
        // back of the queue, resumes after trial 3: it reaches rung 1 last, below trials 0, 1 and 3, and stops.
        Assert.True(await Task.Run(() => held.Wait(TimeSpan.FromSeconds(60))), "trial 2 never reached step 5");
        var restart = h.RestartAsync();
        await Task.Delay(500);
        release.Set();
        await restart;

        var status = await h.WaitForSweepAsync("asha-restart", timeout: TimeSpan.FromMinutes(2));
        var trials = status.Trials.OrderBy(t => t.Index).ToList();
        Assert.Equal([TrialState.Completed, TrialState.Stopped, TrialState.Stopped, TrialState.Completed], trials.Select(t => t.State));
        Assert.Contains(engine.Starts, s => s.TrialId == third && s.Attempt == 2); // it did resume on the new cluster
        Assert.StartsWith("stopped at step 10: rung 1, below the top 1/2", trials[2].Error, StringComparison.Ordinal);
        await AssertRecordsAsync(h, "asha-restart", trials, [.. ExpectedRecords.Where(r => r.Trial != 2), (2, 1, true)]);
        Assert.Equal(4, submitted.Trials);
    }

    [Fact]
    public async Task AStopAnswerLostOnItsWay_TheTrialStopsAtItsNextEvaluation_WithTheRecordedDecision()
    {
        var engine = Engine();
        await using var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 1, engine: engine);
        var lost = 0;
        h.Calls.LoseAnswer = (method, _, result) =>
            method == "IStoppingGrain/ReportAsync" && result is StoppingDecision { Stop: true } && Interlocked.Increment(ref lost) == 1;
        await h.Sweep("asha-lost").SubmitAsync(Specs.Parsed(Spec("asha-lost")));

        var status = await h.WaitForSweepAsync("asha-lost", timeout: TimeSpan.FromMinutes(2));
        var trials = status.Trials.OrderBy(t => t.Index).ToList();

        // Trial 1's stop at rung 1 (step 10) never reached its experiment, which went on; at its next evaluation (step
        // 20, rung 2) it got the recorded decision, not a new one at rung 2.
        Assert.Equal([TrialState.Completed, TrialState.Stopped, TrialState.Stopped, TrialState.Completed], trials.Select(t => t.State));
        Assert.StartsWith("stopped at step 10: rung 1, below the top 1/2", trials[1].Error, StringComparison.Ordinal);
        Assert.InRange(trials[1].Step, 20, Steps - 1);
        await AssertRecordsAsync(h, "asha-lost", trials);
    }

    [Fact]
    public async Task StoppingGrain_RestartedBetweenReports_AnswersAsTheRuleFedEverything()
    {
        var settings = new StoppingSettings { Type = StoppingTypes.Median, Metric = "dev_loss", GracePeriodSteps = 20, MinTrials = 2 };
        var random = new Random(11);
        var reports = Enumerable.Range(0, 60).Select(i => ($"t{i % 6}", 10 * (1 + (i / 6)), random.NextDouble() + (0.2 * (i % 6)))).ToList();
        var oracle = StoppingRule.Create(settings)!;
        var expected = reports.Select(r => oracle.Report(r.Item1, r.Item2, r.Item3)).ToList();

        await using var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 1);
        var answers = new List<StoppingDecision>();
        foreach (var (t, s, v) in reports.Take(25))
        {
            answers.Add(await h.SiloGrains.GetGrain<IStoppingGrain>("sw-median").ReportAsync(settings, t, s, v));
        }

        await h.RestartAsync();
        foreach (var (t, s, v) in reports.Skip(25))
        {
            answers.Add(await h.SiloGrains.GetGrain<IStoppingGrain>("sw-median").ReportAsync(settings, t, s, v));
        }

        // A repeated report after the restart is answered as recorded, and recorded once.
        answers.Add(await h.SiloGrains.GetGrain<IStoppingGrain>("sw-median").ReportAsync(settings, reports[3].Item1, reports[3].Item2, 123.0));
        expected.Add(expected[3]);

        Assert.Equal(expected, answers);
        Assert.Contains(expected, d => d.Stop);
        Assert.Equal(oracle.Records, await h.SiloGrains.GetGrain<IStoppingGrain>("sw-median").GetRecordsAsync());
    }

    private static async Task AssertRecordsAsync(ClusterHarness h, string sweep, List<TrialStatus> trials, (int Trial, int Rung, bool Stop)[]? expected = null)
    {
        var records = await h.SiloGrains.GetGrain<IStoppingGrain>(sweep).GetRecordsAsync();
        var index = trials.ToDictionary(t => t.TrialId, t => t.Index);
        Assert.Equal(expected ?? ExpectedRecords, records.Select(r => (index[r.TrialId], r.Rung, r.Stop)));
        Assert.All(records, r => Assert.Equal(10 * (1 << (r.Rung - 1)), r.Step));
    }
}
