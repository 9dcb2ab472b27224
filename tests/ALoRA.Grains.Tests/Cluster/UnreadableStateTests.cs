using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Trials;

namespace ALoRA.Grains.Tests.Cluster;

/// <summary>
/// A grain whose stored state cannot be read (garbage in its file, a newer schema_version) is reported as such, with the
/// sweep or trial id and the reason, is never overwritten, and the rest of the cluster keeps working: the silos start,
/// other sweeps run.
/// </summary>
public sealed class UnreadableStateTests
{
    [Fact]
    public async Task ExperimentStateGarbage_TrialReportedUnreadable_NeverRunOrOverwritten_OtherSweepsRun()
    {
        await using var h = await ClusterHarness.StartAsync(silos: 1);
        await h.Sweep("broken-trial").SubmitAsync(Specs.Parsed(Specs.Grid("broken-trial", seeds: 1, loraOnly: true)));
        var before = await h.WaitForSweepAsync("broken-trial");
        var victim = before.Trials[0].TrialId;
        var file = StateFile(h, "experiment", victim);

        await h.RestartAsync(() => File.WriteAllTextAsync(file, "{ this is not json"));
        var status = await h.Sweep("broken-trial").GetStatusAsync();

        var broken = Assert.Single(status.Trials, t => t.TrialId == victim);
        Assert.Equal((TrialState.Unreadable, "broken-trial"), (broken.State, broken.SweepId));
        Assert.Contains(file, broken.Error, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", broken.Error, StringComparison.Ordinal);
        Assert.All(status.Trials.Where(t => t.TrialId != victim), t => Assert.Equal(TrialState.Completed, t.State));
        Assert.Equal(SweepState.Completed, status.State);

        // Resubmitting neither runs nor overwrites it; cancelling leaves it alone; another sweep runs to the end.
        var starts = h.Engine.Starts.Count;
        await h.Sweep("broken-trial").SubmitAsync(Specs.Parsed(Specs.Grid("broken-trial", seeds: 1, loraOnly: true)));
        await h.Sweep("broken-trial").CancelAsync();
        await h.Sweep("fine").SubmitAsync(Specs.Parsed(Specs.Grid("fine", seeds: 1, loraOnly: true)));
        var fine = await h.WaitForSweepAsync("fine");
        Assert.All(fine.Trials, t => Assert.Equal(TrialState.Completed, t.State));
        Assert.DoesNotContain(h.Engine.Starts.Skip(starts), s => s.TrialId == victim);
        Assert.Equal("{ this is not json", await File.ReadAllTextAsync(file));
    }

    [Fact]
    public async Task CoordinatorStateFromANewerVersion_SweepReportedUnreadable_SubmitAndCancelRefused_FileKept()
    {
        await using var h = await ClusterHarness.StartAsync(silos: 1);
        await h.Sweep("future").SubmitAsync(Specs.Parsed(Specs.Grid("future", seeds: 1, loraOnly: true)));
        await h.WaitForSweepAsync("future");
        var file = StateFile(h, "sweepcoordinator", "future");
        var newer = "";

        await h.RestartAsync(async () =>
        {
            newer = (await File.ReadAllTextAsync(file)).Replace("\"schema_version\": 1", "\"schema_version\": 2", StringComparison.Ordinal);
            await File.WriteAllTextAsync(file, newer);
        });
        var status = await h.Sweep("future").GetStatusAsync();

        Assert.Equal((SweepState.Unreadable, "future"), (status.State, status.SweepId));
        Assert.Contains(file, status.Error, StringComparison.Ordinal);
        Assert.Contains("schema_version 2 is not supported", status.Error, StringComparison.Ordinal);
        var submit = await Assert.ThrowsAsync<InvalidOperationException>(() => h.Sweep("future").SubmitAsync(Specs.Parsed(Specs.Grid("future", seeds: 1, loraOnly: true))));
        Assert.Contains("'future' cannot be changed", submit.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidOperationException>(() => h.Sweep("future").CancelAsync());
        Assert.Equal(newer, await File.ReadAllTextAsync(file));
        var cluster = await h.Scheduler.GetClusterStatusAsync();
        Assert.Contains("future", cluster.Sweeps);
        Assert.Null(cluster.SchedulerError);
    }

    [Fact]
    public async Task SchedulerStateGarbage_IsSetAside_QueueRebuiltFromTheSweeps_QueuedTrialsRun()
    {
        // No trainers: the submitted trials stay queued, in the scheduler's record only.
        await using var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 0);
        await h.Sweep("first").SubmitAsync(Specs.Parsed(Specs.Grid("first", seeds: 2, learningRates: 1, loraOnly: true)));
        await h.Sweep("second").SubmitAsync(Specs.Parsed(Specs.Grid("second", seeds: 1, learningRates: 1, loraOnly: true)));
        var file = StateFile(h, "scheduler", "default");
        byte[] garbage = [0x00, 0xFF, 0x13, 0x37];

        // Before: the silo reported the record unreadable and queued nothing, so these trials stayed queued forever.
        h.TrainersPerSilo = 1;
        await h.RestartAsync(() => File.WriteAllBytesAsync(file, garbage));
        foreach (var sweep in new[] { "first", "second" })
        {
            var done = await h.WaitForSweepAsync(sweep, timeout: TimeSpan.FromSeconds(90));
            Assert.All(done.Trials, t => Assert.Equal(TrialState.Completed, t.State));
        }

        var cluster = await h.Scheduler.GetClusterStatusAsync();
        Assert.Null(cluster.SchedulerError);
        Assert.Equal(["first", "second"], cluster.Sweeps);
        var kept = Assert.Single(Directory.GetFiles(Path.GetDirectoryName(file)!, "default.json.unreadable-*"));
        Assert.Equal(garbage, await File.ReadAllBytesAsync(kept));
        Assert.Contains("could not be read", cluster.SchedulerRebuilt, StringComparison.Ordinal);
        Assert.Contains(kept, cluster.SchedulerRebuilt, StringComparison.Ordinal);
        Assert.Contains("rebuilt from 2 stored sweep records (3 trials queued again)", cluster.SchedulerRebuilt, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SchedulerStateDeleted_QueueRebuiltFromTheSweeps_QueuedTrialsRun_FinishedOnesNotAgain()
    {
        var engine = new FakeTrainingEngine { Steps = 3 };
        await using var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 1, engine: engine);
        await h.Sweep("finished").SubmitAsync(Specs.Parsed(Specs.Grid("finished", seeds: 1, learningRates: 1, loraOnly: true)));
        await h.WaitForSweepAsync("finished");
        h.TrainersPerSilo = 0;
        await h.RestartAsync();
        await h.Sweep("waiting").SubmitAsync(Specs.Parsed(Specs.Grid("waiting", seeds: 2, learningRates: 1, loraOnly: true)));
        var file = StateFile(h, "scheduler", "default");

        // Before: deleting the record (as the unreadable-state message advised) emptied the sweep list for good and left
        // the queued trials queued forever.
        h.TrainersPerSilo = 1;
        await h.RestartAsync(() => Task.Run(() => File.Delete(file)));
        var waiting = await h.WaitForSweepAsync("waiting", timeout: TimeSpan.FromSeconds(90));
        Assert.All(waiting.Trials, t => Assert.Equal(TrialState.Completed, t.State));
        var cluster = await h.Scheduler.GetClusterStatusAsync();
        Assert.Equal(["finished", "waiting"], cluster.Sweeps);
        Assert.Contains("it had no stored state; the sweep list and queue were rebuilt from 2 stored sweep records (2 trials queued again)", cluster.SchedulerRebuilt, StringComparison.Ordinal);
        Assert.Equal(3, engine.Completions.Count); // the finished trial did not run again
    }

    /// <summary>The state file of <paramref name="key"/> of grain type <paramref name="grainType"/> (one per key under the harness' state folder).</summary>
    private static string StateFile(ClusterHarness h, string grainType, string key) =>
        Assert.Single(Directory.GetFiles(Path.Combine(h.Directory, "state"), "*.json", SearchOption.AllDirectories),
            f => Path.GetFileName(Path.GetDirectoryName(f)) == grainType && Path.GetFileNameWithoutExtension(f) == key);
}
