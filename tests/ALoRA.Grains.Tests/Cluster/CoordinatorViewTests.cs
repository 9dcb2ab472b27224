using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Grains;
using ALoRA.Abstractions.Trials;

namespace ALoRA.Grains.Tests.Cluster;

/// <summary>
/// The coordinator as a view: status is answered from the trial statuses it keeps (and stores) from what the
/// experiments publish, not by asking every experiment; the view survives a restart, keeps the newer of two statuses,
/// and is repaired from the experiments when state changes were lost.
/// </summary>
public sealed class CoordinatorViewTests
{
    private const string ExperimentStatus = $"{nameof(IExperimentGrain)}/{nameof(IExperimentGrain.GetStatusAsync)}";
    private const string Publish = $"{nameof(ISweepCoordinatorGrain)}/{nameof(ISweepCoordinatorGrain.PublishAsync)}";

    [Fact]
    public async Task Status_IsAnsweredFromTheView_WithoutCallingAnyExperiment_AndMatchesWhatTheExperimentsSay()
    {
        await using var h = await ClusterHarness.StartAsync();
        var sweep = h.Sweep("viewed");
        await sweep.SubmitAsync(Specs.Parsed(Specs.Grid("viewed", seeds: 2)));
        var polls = 0;
        await h.WaitForAsync(() => { polls++; return sweep.GetStatusAsync(); }, s => s.State == SweepState.Completed, what: "the sweep to complete");

        // 8 trials, polled many times: at most one round of experiment calls (the repair after the activation).
        var asked = h.Calls.Count(ExperimentStatus);
        Assert.InRange(asked, 0, 8);
        Assert.True(polls > 1, $"{polls} polls");

        // Experiments that cannot answer do not matter: status costs the coordinator's call only.
        h.Calls.Reject = (method, _) => method == ExperimentStatus;
        var statuses = new List<SweepStatus>();
        for (var i = 0; i < 5; i++)
        {
            statuses.Add(await sweep.GetStatusAsync());
        }

        Assert.Equal(asked, h.Calls.Count(ExperimentStatus));
        var view = statuses[^1];
        Assert.Equal(8, view.Trials.Count);
        Assert.All(view.Trials, t => Assert.Equal(TrialState.Completed, t.State));

        // The independent account: each experiment's own status, asked directly.
        h.Calls.Reject = null;
        foreach (var t in view.Trials)
        {
            var own = await h.Client.GetGrain<IExperimentGrain>(t.TrialId).GetStatusAsync();
            Assert.Equal((own.State, own.Version, own.Step, own.Attempt, own.Result?.DevMetric), (t.State, t.Version, t.Step, t.Attempt, t.Result?.DevMetric));
            Assert.True(own.Version >= 3, $"{t.TrialId}: version {own.Version} after queued, running and completed");
        }
    }

    [Fact]
    public async Task View_SurvivesARestart_ThenOneRoundOfExperimentCallsChecksIt_AndStatusCostsNoMore()
    {
        await using var h = await ClusterHarness.StartAsync();
        await h.Sweep("kept").SubmitAsync(Specs.Parsed(Specs.Grid("kept", seeds: 1)));
        var before = await h.WaitForSweepAsync("kept");
        var trials = before.Trials.Select(t => t.TrialId).ToList();

        // After a restart, with experiments that cannot answer: the stored view answers, results included.
        await h.RestartAsync();
        h.Calls.Reject = (method, _) => method == ExperimentStatus;
        var stored = await h.Sweep("kept").GetStatusAsync();
        Assert.Equal(SweepState.Completed, stored.State);
        Assert.Equal(
            before.Trials.Select(t => (t.TrialId, t.State, t.Version, t.Step, t.Result?.DevMetric)),
            stored.Trials.Select(t => (t.TrialId, t.State, t.Version, t.Step, t.Result?.DevMetric)));

        // Once they answer, the next read asks the trials that did not answer (in the background); after that status
        // asks none.
        h.Calls.Reject = null;
        var asked = h.Calls.Count(ExperimentStatus, trials.Contains);
        Assert.Equal(SweepState.Completed, (await h.Sweep("kept").GetStatusAsync()).State);
        await h.WaitForAsync(() => Task.FromResult(h.Calls.Count(ExperimentStatus, trials.Contains)), n => n >= asked + trials.Count, what: "the repair to ask again");
        await h.Sweep("kept").GetStatusAsync();
        Assert.Equal(asked + trials.Count, h.Calls.Count(ExperimentStatus, trials.Contains));
        for (var i = 0; i < 3; i++)
        {
            await h.Sweep("kept").GetStatusAsync();
        }

        Assert.Equal(asked + trials.Count, h.Calls.Count(ExperimentStatus, trials.Contains));
    }

    [Fact]
    public async Task LateOlderStateChange_DoesNotOverwriteANewerOne_ANewerOneIsTakenAndStored()
    {
        await using var h = await ClusterHarness.StartAsync();
        var sweep = h.Sweep("ordered");
        await sweep.SubmitAsync(Specs.Parsed(Specs.Grid("ordered", seeds: 1, learningRates: 1, loraOnly: true)));
        var done = Assert.Single((await h.WaitForSweepAsync("ordered")).Trials);

        // The trial's "running" state change, arriving after its completion (e.g. from an activation that was replaced).
        var late = done with { State = TrialState.Running, Version = done.Version - 1, Result = null };
        await h.SiloGrains.GetGrain<ISweepCoordinatorGrain>("ordered").PublishAsync(new TrialUpdate { Status = late, StateChanged = true });
        var status = await sweep.GetStatusAsync();
        Assert.Equal(SweepState.Completed, status.State);
        Assert.Equal((TrialState.Completed, done.Version), (status.Trials[0].State, status.Trials[0].Version));
        Assert.NotNull(status.Trials[0].Result);

        // Progress of an older attempt position does not win either; a newer status does, and is stored.
        await h.SiloGrains.GetGrain<ISweepCoordinatorGrain>("ordered").PublishAsync(new TrialUpdate { Status = done with { ProgressSequence = done.ProgressSequence - 1, Step = 1 } });
        Assert.Equal(done.Step, (await sweep.GetStatusAsync()).Trials[0].Step);
        var newer = done with { Version = done.Version + 1, Error = "a newer status" };
        await h.SiloGrains.GetGrain<ISweepCoordinatorGrain>("ordered").PublishAsync(new TrialUpdate { Status = newer, StateChanged = true });
        Assert.Equal("a newer status", (await sweep.GetStatusAsync()).Trials[0].Error);

        await h.RestartAsync();
        h.Calls.Reject = (method, _) => method == ExperimentStatus;
        var restarted = Assert.Single((await h.Sweep("ordered").GetStatusAsync()).Trials);
        Assert.Equal(("a newer status", done.Version + 1), (restarted.Error, restarted.Version));
    }

    [Fact]
    public async Task LostStateChanges_AreRepairedFromTheExperiments_WhenTheCoordinatorActivatesAgain()
    {
        using var hold = new ManualResetEventSlim();
        var engine = new FakeTrainingEngine { BeforeStep = (_, _, _) => hold.Wait(TimeSpan.FromSeconds(60)) };
        await using var h = await ClusterHarness.StartAsync(engine: engine);
        var sweep = h.Sweep("unheard");
        h.Calls.Reject = (method, key) => method == Publish && key == "unheard";
        await sweep.SubmitAsync(Specs.Parsed(Specs.Grid("unheard", seeds: 1, learningRates: 1)));
        var trials = (await sweep.GetStatusAsync()).Trials.Select(t => t.TrialId).ToList();
        Assert.Equal(2, trials.Count);

        // Every trial finishes, but no publish reaches the coordinator: its view does not have them completed (so
        // status did not ask the experiments).
        hold.Set();
        foreach (var id in trials)
        {
            await h.WaitForAsync(() => h.Client.GetGrain<IExperimentGrain>(id).GetStatusAsync(), s => s.State == TrialState.Completed, what: $"{id} to complete");
        }

        var stale = await sweep.GetStatusAsync();
        Assert.Equal(SweepState.Running, stale.State);
        Assert.All(stale.Trials, t => Assert.NotEqual(TrialState.Completed, t.State));

        // A new activation asks the experiments of the trials that are not final, once.
        var grain = (Orleans.Runtime.IAddressable)sweep;
        await h.Cluster.DeactivateAsync(grain);
        await h.Cluster.WaitForDeactivationAsync(grain);
        var asked = h.Calls.Count(ExperimentStatus, trials.Contains);
        var repaired = await sweep.GetStatusAsync();
        Assert.Equal(SweepState.Completed, repaired.State);
        Assert.All(repaired.Trials, t => Assert.NotNull(t.Result));
        Assert.Equal(asked + trials.Count, h.Calls.Count(ExperimentStatus, trials.Contains));
        await sweep.GetStatusAsync();
        Assert.Equal(asked + trials.Count, h.Calls.Count(ExperimentStatus, trials.Contains));
    }
}
