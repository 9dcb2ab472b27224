using System.Text.Json.Nodes;
using ALoRA.Abstractions.Cluster;
using ALoRA.Abstractions.Grains;
using ALoRA.Abstractions.Trials;
using ALoRA.Grains.Security;
using ALoRA.Grains.Tests.Cluster;

namespace ALoRA.Grains.Tests.Security;

/// <summary>
/// Issue 12, point 2 (docs/security.md): a client that reaches the gateway cannot act as a trainer (methods marked
/// <see cref="SiloOnlyAttribute"/> refuse it), results cannot be forged without the attempt's lease, and with a client
/// token every call without it is refused while the silos' own calls go through.
/// </summary>
public sealed class CallGuardTests
{
    [Fact]
    public async Task Client_ActingAsATrainer_IsRefusedAtEveryStep_AndTheRealResultStands()
    {
        var engine = new FakeTrainingEngine { Steps = 30, StepDelay = TimeSpan.FromMilliseconds(20) };
        await using var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 1, engine: engine);
        await h.Sweep("attack").SubmitAsync(Specs.Parsed(Specs.Grid("attack", seeds: 1, learningRates: 1, loraOnly: true)));
        var running = await h.WaitForAsync(() => h.Sweep("attack").GetStatusAsync(), s => s.Trials[0].State == TrialState.Running, what: "running");
        var trialId = running.Trials[0].TrialId;

        // The attack, step by step, from a client (the test cluster's client is a plain Orleans client).
        var scheduler = h.Client.GetGrain<ISchedulerGrain>(SchedulerKeys.Default);
        var trainer = h.Client.GetGrain<ITrainerGrain>((await scheduler.GetClusterStatusAsync()).Trainers[0].Key);
        var experiment = h.Client.GetGrain<IExperimentGrain>(trialId);
        await Assert.ThrowsAsync<SiloOnlyException>(() => scheduler.RegisterTrainersAsync("fake", [new DeviceRegistration { Key = "fake/cpu:0" }]));
        await Assert.ThrowsAsync<SiloOnlyException>(() => scheduler.NextAssignmentAsync("fake/cpu:0"));
        await Assert.ThrowsAsync<SiloOnlyException>(() => scheduler.AttemptEndedAsync(trialId, "fake/cpu:0@nowhere", requeue: true));
        await Assert.ThrowsAsync<SiloOnlyException>(() => scheduler.EnqueueAsync("attack", [trialId], 1, null, null));
        await Assert.ThrowsAsync<SiloOnlyException>(() => experiment.BeginAttemptAsync("fake/cpu:0@nowhere"));
        await Assert.ThrowsAsync<SiloOnlyException>(() => experiment.ReportProgressAsync(running.Trials[0].Attempt, "", []));
        await Assert.ThrowsAsync<SiloOnlyException>(() => experiment.CompleteAsync(running.Trials[0].Attempt, "", new TrialResult { Method = "lora", TestMetric = 0.999 }));
        await Assert.ThrowsAsync<SiloOnlyException>(() => experiment.FailAsync(running.Trials[0].Attempt, "", "x", AttemptFailure.Drained));
        await Assert.ThrowsAsync<SiloOnlyException>(() => experiment.InitializeAsync(new ALoRA.Abstractions.Sweeps.TrialSpec { TrialId = trialId }));
        await Assert.ThrowsAsync<SiloOnlyException>(() => experiment.CancelAsync());
        await Assert.ThrowsAsync<SiloOnlyException>(() => trainer.StartAsync());
        await Assert.ThrowsAsync<SiloOnlyException>(() => trainer.CancelTrialAsync(trialId));
        await Assert.ThrowsAsync<SiloOnlyException>(() => trainer.DrainAsync());
        await Assert.ThrowsAsync<SiloOnlyException>(() => h.Sweep("attack").PublishAsync(new TrialUpdate { Status = running.Trials[0] with { State = TrialState.Completed }, StateChanged = true }));

        // Reading stays open to clients; the trial finishes with the trainer's result, trained once.
        var done = await h.WaitForSweepAsync("attack");
        Assert.Equal(TrialState.Completed, done.Trials[0].State);
        Assert.NotEqual(0.999, done.Trials[0].Result!.TestMetric);
        Assert.Single(engine.Completions);
        var cluster = await scheduler.GetClusterStatusAsync();
        Assert.DoesNotContain(cluster.Trainers, t => t.Key.StartsWith("fake", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReportWithTheRightAttemptAndAWrongLease_IsRejected_TheTrainerStillCompletes()
    {
        var engine = new FakeTrainingEngine { Steps = 30, StepDelay = TimeSpan.FromMilliseconds(20) };
        await using var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 1, engine: engine);
        await h.Sweep("lease").SubmitAsync(Specs.Parsed(Specs.Grid("lease", seeds: 1, learningRates: 1, loraOnly: true)));
        var running = await h.WaitForAsync(() => h.Sweep("lease").GetStatusAsync(), s => s.Trials[0].Step >= 2, what: "step 2");
        var trial = running.Trials[0];

        // Called from a silo, so only the lease stands between a forger and the result.
        var experiment = h.SiloGrains.GetGrain<IExperimentGrain>(trial.TrialId);
        var forged = new string('0', 32);
        var loss = new TrialProgress { TrialId = trial.TrialId, Attempt = trial.Attempt, Kind = TrialProgressKind.Step, Step = 1, Loss = 99 };
        Assert.False((await experiment.ReportProgressAsync(trial.Attempt, forged, [loss])).Accepted);
        Assert.False(await experiment.CompleteAsync(trial.Attempt, forged, new TrialResult { Method = "lora", TestMetric = 0.999 }));
        Assert.False(await experiment.FailAsync(trial.Attempt, forged, "forged", AttemptFailure.Training));
        Assert.Equal(TrialState.Running, (await experiment.GetStatusAsync()).State);

        var done = await h.WaitForSweepAsync("lease");
        Assert.Equal(TrialState.Completed, done.Trials[0].State);
        Assert.Equal(trial.Attempt, done.Trials[0].Attempt);
        Assert.NotEqual(0.999, done.Trials[0].Result!.TestMetric);
        Assert.DoesNotContain(99.0, (await experiment.GetDetailsAsync()).StepLosses);
    }

    [Fact]
    public async Task Leases_Are128RandomBits_NewForEveryAttempt()
    {
        // The real trainer waits at step 3 (reporting nothing) while the test hands out attempts of its own.
        using var hold = new ManualResetEventSlim(false);
        var engine = new FakeTrainingEngine { Steps = 6, BeforeStep = (_, _, step) => _ = step == 3 && hold.Wait(TimeSpan.FromSeconds(30)) };
        await using var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 1, engine: engine);
        await h.Sweep("fresh").SubmitAsync(Specs.Parsed(Specs.Grid("fresh", seeds: 1, learningRates: 1, loraOnly: true)));
        var running = await h.WaitForAsync(() => h.Sweep("fresh").GetStatusAsync(), s => s.Trials[0].Step >= 2, what: "step 2");
        var experiment = h.SiloGrains.GetGrain<IExperimentGrain>(running.Trials[0].TrialId);

        var first = (await experiment.BeginAttemptAsync("a/cpu:0@nowhere"))!;
        var again = (await experiment.BeginAttemptAsync("a/cpu:0@nowhere"))!;
        var second = (await experiment.BeginAttemptAsync("b/cpu:0@nowhere"))!;
        Assert.Matches("^[0-9a-f]{32}$", first.Lease);
        Assert.Equal((first.Attempt, first.Lease), (again.Attempt, again.Lease)); // a retried call gets the same lease
        Assert.Equal(first.Attempt + 1, second.Attempt);
        Assert.NotEqual(first.Lease, second.Lease);
        Assert.False(await experiment.CompleteAsync(second.Attempt, first.Lease, new TrialResult { Method = "lora" }));
        Assert.True(await experiment.CompleteAsync(second.Attempt, second.Lease, new TrialResult { Method = "lora", TestMetric = 0.5 }));
        hold.Set();
    }

    [Fact]
    public async Task RunningTrialStoredWithoutALease_Loads_AndItsNextAttemptGetsOne_ThenCompletes()
    {
        using var hold = new ManualResetEventSlim(false);
        // Attempt 1 pauses at step 3, so the restart's drain hands the trial back (queued) rather than it finishing.
        var engine = new FakeTrainingEngine
        {
            Steps = 100,
            StepDelay = TimeSpan.FromMilliseconds(20),
            BeforeStep = (_, attempt, step) =>
            {
                if (attempt == 1 && step == 3)
                {
                    hold.Wait(TimeSpan.FromSeconds(5));
                }
            },
        };
        await using var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 1, engine: engine);
        await h.Sweep("legacy").SubmitAsync(Specs.Parsed(Specs.Grid("legacy", seeds: 1, learningRates: 1, loraOnly: true)));
        var running = await h.WaitForAsync(() => h.Sweep("legacy").GetStatusAsync(), s => s.Trials[0].Step >= 2, what: "step 2");
        var trialId = running.Trials[0].TrialId;

        // As stored before leases existed: a running attempt (of a trainer that is gone) and no lease.
        string? file = null;
        await h.RestartAsync(async () =>
        {
            file = Directory.EnumerateFiles(h.Directory, "*.json", SearchOption.AllDirectories)
                .Single(f =>
                {
                    var text = File.ReadAllText(f);
                    return text.Contains("alora.ExperimentState", StringComparison.Ordinal) && text.Contains(trialId, StringComparison.Ordinal);
                });
            var stored = JsonNode.Parse(await File.ReadAllTextAsync(file))!;
            Assert.True(stored["state"]!.AsObject().Remove("lease"), "the stored state had no lease to remove");
            stored["state"]!["state"] = "Running";
            stored["state"]!["trainer"] = "ghost/cpu:0@nowhere";
            await File.WriteAllTextAsync(file, stored.ToJsonString());
        });

        var done = await h.WaitForSweepAsync("legacy");
        Assert.Equal(TrialState.Completed, done.Trials[0].State);
        Assert.True(done.Trials[0].Attempt >= 2, $"attempt {done.Trials[0].Attempt}");
        var lease = JsonNode.Parse(await File.ReadAllTextAsync(file!))!["state"]!["lease"]!.GetValue<string>();
        Assert.Matches("^[0-9a-f]{32}$", lease);
    }

    [Fact]
    public async Task WithAClientToken_CallsWithoutItAreUnauthenticated_WithItTheClusterTrains()
    {
        using var dir = TempDirectory.Create("token");
        var tokenFile = Path.Combine(dir.Path, "token");
        await File.WriteAllTextAsync(tokenFile, "0123456789abcdef0123456789abcdef\n");
        await using var h = await ClusterHarness.StartAsync(silos: 2, trainersPerSilo: 1, tokenFile: tokenFile);

        RequestContext.Clear();
        var refused = await Assert.ThrowsAsync<UnauthenticatedException>(() => h.Sweep("tok").GetStatusAsync());
        Assert.StartsWith("unauthenticated", refused.Message, StringComparison.Ordinal);
        RequestContext.Set(ClientToken.RequestContextKey, "0123456789abcdef0123456789abcdeX");
        await Assert.ThrowsAsync<UnauthenticatedException>(() => h.Client.GetGrain<ISchedulerGrain>(SchedulerKeys.Default).GetClusterStatusAsync());

        // With the token the client submits; the silos' own calls (registration, work, reports) carry it, so trials train.
        RequestContext.Set(ClientToken.RequestContextKey, "0123456789abcdef0123456789abcdef");
        await h.Sweep("tok").SubmitAsync(Specs.Parsed(Specs.Grid("tok", seeds: 2, learningRates: 1, loraOnly: true)));
        var done = await h.WaitForSweepAsync("tok");
        Assert.All(done.Trials, t => Assert.Equal(TrialState.Completed, t.State));
        Assert.Equal(2, (await h.Scheduler.GetClusterStatusAsync()).Trainers.Count);
        RequestContext.Clear();
    }

    [Fact]
    public void SiloOnly_IsReadFromTheInterfaces()
    {
        string[] marked =
        [
            .. typeof(ISchedulerGrain).GetMethods().Concat(typeof(IExperimentGrain).GetMethods()).Concat(typeof(ITrainerGrain).GetMethods())
                .Concat(typeof(ISweepCoordinatorGrain).GetMethods()).Concat(typeof(IAdapterExportGrain).GetMethods())
                .Where(AloraCallGuard.IsSiloOnly).Select(m => $"{m.DeclaringType!.Name}.{m.Name}").Order(StringComparer.Ordinal),
        ];
        Assert.Equal(
            [
                "IExperimentGrain.BeginAttemptAsync", "IExperimentGrain.CancelAsync", "IExperimentGrain.CompleteAsync", "IExperimentGrain.FailAsync",
                "IExperimentGrain.InitializeAsync", "IExperimentGrain.OnTrainerLostAsync", "IExperimentGrain.ReportProgressAsync",
                "ISchedulerGrain.AttemptEndedAsync", "ISchedulerGrain.CancelSweepAsync", "ISchedulerGrain.EnqueueAsync", "ISchedulerGrain.NextAssignmentAsync",
                "ISchedulerGrain.RegisterTrainersAsync", "ISweepCoordinatorGrain.PublishAsync", "ITrainerGrain.CancelTrialAsync", "ITrainerGrain.DrainAsync",
                "ITrainerGrain.StartAsync", "ITrainerGrain.WorkAvailableAsync",
            ],
            marked);
    }
}
