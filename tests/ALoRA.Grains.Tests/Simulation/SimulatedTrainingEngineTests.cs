using System.Diagnostics;
using ALoRA.Abstractions.Sweeps;
using ALoRA.Abstractions.Trials;
using ALoRA.Grains.Simulation;
using ALoRA.Grains.Training;

namespace ALoRA.Grains.Tests.Simulation;

/// <summary>The simulated engine: what it reports (the real engine's kinds, order and fields), its pace, its checkpoints and resume.</summary>
public sealed class SimulatedTrainingEngineTests : IDisposable
{
    private static readonly AllocationSettings Rounds = new() { K1 = "30steps", K2 = "30steps", Rounds = 2, Scorer = "hybrid" };

    private readonly SimulationSamples _samples = new();

    public void Dispose() => _samples.Dispose();

    private TrialWorkspace Workspace(string trial) => new(Path.Combine(_samples.Workspaces, trial));

    [Fact]
    public void Run_StraightThrough_ReportsEveryStepRoundEvaluationAndCheckpointInTheRealEnginesOrder()
    {
        var engine = new SimulatedTrainingEngine(SimulationSamples.Options());
        var assignment = _samples.Assignment("straight", TrialMethods.Alora, allocation: Rounds);
        var curve = new SimulatedLossCurve(assignment.Spec);
        var events = new List<TrialProgress>();
        var result = engine.Run(assignment, Workspace("straight"), "cuda:3", events.Add, CancellationToken.None);

        // Started, then per step: the step, its rounds (30, 60), its evaluation (every 20 and the last), its checkpoint (every 25).
        var expected = new List<(TrialProgressKind, int)> { (TrialProgressKind.Started, 0) };
        for (var step = 1; step <= 100; step++)
        {
            expected.Add((TrialProgressKind.Step, step));
            if (step is 30 or 60)
            {
                expected.Add((TrialProgressKind.AllocationRound, step));
            }

            if (step % 20 == 0)
            {
                expected.Add((TrialProgressKind.Evaluation, step));
            }

            if (step % 25 == 0)
            {
                expected.Add((TrialProgressKind.Checkpoint, step));
            }
        }

        Assert.Equal(expected, events.Select(e => (e.Kind, e.Step)));
        Assert.All(events, e => Assert.Equal(("straight", 1, 100), (e.TrialId, e.Attempt, e.TotalSteps)));
        Assert.All(events.Where(e => e.Kind == TrialProgressKind.Step), e => Assert.Equal(curve.TrainLoss(e.Step), e.Loss));
        Assert.All(events.Where(e => e.Kind == TrialProgressKind.Evaluation), e =>
        {
            Assert.Equal(curve.DevLoss(e.Step), e.DevLoss);
            Assert.Equal(Math.Exp(-curve.DevLoss(e.Step)), e.Metric);
        });
        var rounds = events.Where(e => e.Kind == TrialProgressKind.AllocationRound).Select(e => e.Round!).ToList();
        Assert.Equal([(1, 30), (2, 60)], rounds.Select(r => (r.Round, r.Step)));

        var best = new[] { 20, 40, 60, 80, 100 }.Min(curve.DevLoss);
        Assert.Equal((TrialMethods.Alora, 100, 2, best), (result.Method, result.Steps, result.AllocationRounds, result.DevLoss));
        Assert.Equal(curve.TestLoss(100), result.TestLoss);
        Assert.Equal(SimulatedTimeModel.AdapterParameters(SimulatedTimeModel.Llama7B, assignment.Spec.Lora), result.FinalTrainableParameters);
        Assert.True(File.Exists(Path.Combine(Workspace("straight").AdapterDirectory, "simulated_adapter.json")));
        var record = Assert.Single(SimulatedTrainingEngine.ReadAttempts(Workspace("straight").Directory));
        Assert.Equal(("completed", 0, 100, "cuda:3", Environment.ProcessId), (record.Outcome, record.StartStep, record.EndStep, record.Device, record.ProcessId));
    }

    [Fact]
    public void Run_TakesTheModelledTimeOverTheTimeScale()
    {
        // 100 steps of a 7B trial: about 20 simulated minutes; at 4000 simulated seconds per second, about 0.3 s.
        var engine = new SimulatedTrainingEngine(SimulationSamples.Options(timeScale: 4000));
        var assignment = _samples.Assignment("paced");
        var modelled = engine.Plan(assignment.Spec).AttemptSeconds() / 4000;
        var watch = Stopwatch.StartNew();
        engine.Run(assignment, Workspace("paced"), "cuda:0", _ => { }, CancellationToken.None);
        Assert.True(watch.Elapsed.TotalSeconds >= modelled, $"{watch.Elapsed.TotalSeconds} s < {modelled} s"); // never faster than the model
    }

    [Fact]
    public void Run_ReportIntervalLongerThanTheAttempt_StillEndsWhenModelled()
    {
        // About 0.3 s of modelled time with wake-ups coalesced over 20 s: the coalescing may postpone reports, never the
        // attempt's end (it once ended up to one interval late, which a time scale turned into device-hours).
        var options = SimulationSamples.Options(timeScale: 4000);
        options.ReportInterval = TimeSpan.FromSeconds(20);
        var engine = new SimulatedTrainingEngine(options);
        var assignment = _samples.Assignment("coalesced");
        var modelled = engine.Plan(assignment.Spec).AttemptSeconds() / 4000;
        var steps = new List<int>();
        var watch = Stopwatch.StartNew();
        engine.Run(assignment, Workspace("coalesced"), "cuda:0", p => steps.Add(p.Kind == TrialProgressKind.Step ? p.Step : 0), CancellationToken.None);
        Assert.InRange(watch.Elapsed.TotalSeconds, modelled, modelled + 10);
        Assert.Equal(Enumerable.Range(1, 100), steps.Where(s => s > 0));
    }

    [Fact]
    public void Cancelled_ThenResumed_ContinuesTheStepCountAndEndsAsAStraightRun()
    {
        var engine = new SimulatedTrainingEngine(SimulationSamples.Options());
        var straight = engine.Run(_samples.Assignment("reference", TrialMethods.Alora, allocation: Rounds), Workspace("reference"), "cuda:0", _ => { }, CancellationToken.None);

        // Cancelled after step 42 (not a checkpoint step): it checkpoints step 42 and stops.
        using var cts = new CancellationTokenSource();
        var first = new List<TrialProgress>();
        Assert.ThrowsAny<OperationCanceledException>(() => engine.Run(_samples.Assignment("resumed", TrialMethods.Alora, attempt: 1, allocation: Rounds),
            Workspace("resumed"), "cuda:0", p =>
            {
                first.Add(p);
                if (p is { Kind: TrialProgressKind.Step, Step: 42 })
                {
                    cts.Cancel();
                }
            }, cts.Token));
        Assert.Equal(42, first.Where(e => e.Kind == TrialProgressKind.Step).Max(e => e.Step));

        var second = new List<TrialProgress>();
        var resumed = engine.Run(_samples.Assignment("resumed", TrialMethods.Alora, attempt: 2, allocation: Rounds), Workspace("resumed"), "cuda:1", second.Add,
            CancellationToken.None);

        var started = second[0];
        Assert.Equal((TrialProgressKind.Started, 42, 2), (started.Kind, started.Step, started.Attempt));
        // The history up to the checkpoint is replayed (steps 1-42, round 1 at 30, evaluations at 20 and 40), then steps 43-100 run.
        Assert.Equal(Enumerable.Range(1, 100), second.Where(e => e.Kind == TrialProgressKind.Step).Select(e => e.Step));
        Assert.Equal([30, 60], second.Where(e => e.Kind == TrialProgressKind.AllocationRound).Select(e => e.Step));
        Assert.Equal([20, 40, 60, 80, 100], second.Where(e => e.Kind == TrialProgressKind.Evaluation).Select(e => e.Step));
        Assert.Equal([50, 75, 100], second.Where(e => e.Kind == TrialProgressKind.Checkpoint).Select(e => e.Step));
        Assert.Equal(
            (straight.DevLoss, straight.TestLoss, straight.Steps, straight.AllocationRounds),
            (resumed.DevLoss, resumed.TestLoss, resumed.Steps, resumed.AllocationRounds));

        var attempts = SimulatedTrainingEngine.ReadAttempts(Workspace("resumed").Directory);
        Assert.Equal([("cancelled", 0, 42), ("completed", 42, 100)], attempts.Select(a => (a.Outcome, a.StartStep, a.EndStep)));
    }

    [Fact]
    public void Cancelled_WhileWaiting_StopsPromptly()
    {
        // Real time (scale 1): the model load alone is a minute; the cancel ends the wait at once.
        var engine = new SimulatedTrainingEngine(new SimulationOptions { TimeScale = 1 });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var watch = Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => engine.Run(_samples.Assignment("wait"), Workspace("wait"), "cuda:0", _ => { }, cts.Token));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed}");
        Assert.Equal("cancelled", Assert.Single(SimulatedTrainingEngine.ReadAttempts(Workspace("wait").Directory)).Outcome);
    }

    [Fact]
    public async Task TwoAttemptsOnOneDevice_EachRunsTheSharingSlowdownSlower()
    {
        // U = 0.4 alone; two together reach at most 0.5: each runs 2 x 0.4 / 0.5 = 1.6 times slower.
        Assert.Equal(1.6, SimulatedTimeModel.SharingSlowdown(2, 0.4, 0.5), 12);
        Assert.Equal(1, SimulatedTimeModel.SharingSlowdown(1, 0.4, 0.5));
        Assert.Equal(3 * 0.4 / 0.5, SimulatedTimeModel.SharingSlowdown(3, 0.4, 0.5), 12);
        Assert.Equal(1, SimulatedTimeModel.SharingSlowdown(2, 0.3, 0.6), 12); // two reach twice one's utilisation: no slowdown

        // An attempt holds cuda:0 (its progress callback blocks at its first step) while another runs beside it, then one runs on a device of its own.
        var engine = new SimulatedTrainingEngine(new SimulationOptions { TimeScale = 1e6, ReportInterval = TimeSpan.FromMilliseconds(1) });
        using var release = new ManualResetEventSlim();
        var holding = new TaskCompletionSource();
        var holder = Task.Run(() => engine.Run(_samples.Assignment("holder"), Workspace("holder"), "cuda:0", p =>
        {
            if (p.Kind == TrialProgressKind.Step)
            {
                holding.TrySetResult();
                Assert.True(release.Wait(TimeSpan.FromMinutes(1)), "never released");
            }
        }, CancellationToken.None));
        await holding.Task.WaitAsync(TimeSpan.FromMinutes(1));
        var shared = _samples.Assignment("shared");
        engine.Run(shared, Workspace("shared"), "cuda:0", _ => { }, CancellationToken.None);
        var alone = _samples.Assignment("alone");
        engine.Run(alone, Workspace("alone"), "cuda:1", _ => { }, CancellationToken.None);
        release.Set();
        await holder.WaitAsync(TimeSpan.FromMinutes(1));

        var solo = engine.Plan(shared.Spec).AttemptSeconds();
        Assert.Equal(solo, Assert.Single(SimulatedTrainingEngine.ReadAttempts(Workspace("alone").Directory)).SimulatedSeconds, 6);
        Assert.Equal(solo * 1.6, Assert.Single(SimulatedTrainingEngine.ReadAttempts(Workspace("shared").Directory)).SimulatedSeconds, 6);
    }

    [Fact]
    public void Options_Invalid_AreRefusedNamingTheKey()
    {
        var result = new SimulationOptionsValidator().Validate(null, new SimulationOptions { TimeScale = 0, Utilization = 1.5, ReportInterval = TimeSpan.Zero });
        Assert.True(result.Failed);
        Assert.Contains("Alora:Simulation:TimeScale", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Alora:Simulation:Utilization", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Alora:Simulation:ReportInterval", result.FailureMessage, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new SimulatedTrainingEngine(new SimulationOptions { DeviceFlops = -1 }));
    }

    [Fact]
    public void OperationsDoc_DocumentsEverySetting()
    {
        var doc = File.ReadAllText(RepositoryPaths.Of("docs", "operations.md"));
        foreach (var property in typeof(SimulationOptions).GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance))
        {
            Assert.Contains($"`Alora:Simulation:{property.Name}`", doc, StringComparison.Ordinal);
            Assert.Contains($"`Alora__Simulation__{property.Name}`", doc, StringComparison.Ordinal);
        }
    }
}
