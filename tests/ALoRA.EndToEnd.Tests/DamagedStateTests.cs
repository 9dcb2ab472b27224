using System.Text.Json;
using Xunit.Abstractions;

namespace ALoRA.EndToEnd.Tests;

/// <summary>
/// Issue 12, point 4, with real silo processes: the scheduler's record deleted or truncated while trials wait in its
/// queue (before: the sweep list was emptied and the trials stayed queued forever, or the silo reported the record
/// unreadable and queued nothing), and one sweep's record damaged (before: <c>alora status</c> failed for every sweep
/// with a stack trace, exit 1). The first silo trains nothing, so the submitted trials are only queued; the silo that
/// starts after the damage has a trainer, rebuilds the queue from the sweeps' records and trains them.
/// </summary>
public sealed class DamagedStateTests(ITestOutputHelper log) : EndToEndTest(log)
{
    private static readonly Dictionary<string, string> NoTrainers = new() { ["Alora__Trainers__Devices__0"] = "", ["Alora__Trainers__CpuTrainers"] = "0" };

    [Theory]
    [InlineData("deleted")]
    [InlineData("truncated")]
    public async Task SchedulerRecordDamaged_FileStorage_QueueRebuilt_TrialsRun_DamagedSweepListedUnreadable(string damage)
    {
        var ports = SiloPorts.Free();
        var data = Workspace.PathOf("data");
        var silo = await SiloProcess.StartAsync("node-a", ports, data, Workspace.Root, SiloStart, NoTrainers);
        try
        {
            foreach (var id in Sweeps)
            {
                await AloraOk("submit", Spec(id), "--gateway", ports.Gateway);
            }

            silo.Terminate();
            Assert.Equal(0, await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            var state = Path.Combine(data, "state");
            var scheduler = Path.Combine(state, "scheduler", "scheduler", "default.json");
            var bytes = await File.ReadAllBytesAsync(scheduler);
            if (damage == "deleted")
            {
                File.Delete(scheduler);
            }
            else
            {
                await File.WriteAllBytesAsync(scheduler, bytes[..(bytes.Length / 2)]);
            }

            await File.WriteAllTextAsync(Path.Combine(state, "sweep", "sweepcoordinator", "e2e-broken.json"), "{ garbage");

            await using var trainer = await SiloProcess.StartAsync("node-a", ports, data, Workspace.Root, SiloStart);
            foreach (var id in new[] { "e2e-waiting", "e2e-other" })
            {
                var done = await PollStatusAsync(trainer, id, s => s.Str("state") != "running", Watch, $"{id} to end");
                Assert.Equal("completed", done.Str("state"));
                Assert.All(done.GetProperty("trials").EnumerateArray(), t => Assert.Equal("completed", t.Str("state")));
            }

            await CheckListingAsync(ports.Gateway, state);
            var cluster = await AloraOk("cluster", "--gateway", ports.Gateway);
            Assert.Contains("scheduler: rebuilt at", cluster.Stdout, StringComparison.Ordinal);
            Assert.Contains("(3 trials queued again)", cluster.Stdout, StringComparison.Ordinal);
            if (damage == "truncated")
            {
                var kept = Assert.Single(Directory.GetFiles(Path.GetDirectoryName(scheduler)!, "default.json.unreadable-*"));
                Assert.Equal(bytes[..(bytes.Length / 2)], await File.ReadAllBytesAsync(kept));
                Assert.Contains(kept, cluster.Stdout, StringComparison.Ordinal);
            }
        }
        finally
        {
            LogSilo(silo);
            await silo.DisposeAsync();
        }
    }

    [Fact]
    public async Task SchedulerRecordDeleted_RedisStorage_QueueRebuiltFromAScanOfTheSweepKeys_TrialsRun()
    {
        await using var cluster = await RedisCluster.CreateAsync(Workspace, "e2e-damaged");
        foreach (var (key, value) in NoTrainers)
        {
            cluster.ExtraSettings[key] = value;
        }

        await cluster.StartSilosAsync(SiloStart, "node-a");
        var environment = cluster.ClientEnvironment(cluster["node-a"]);
        foreach (var id in new[] { "e2e-waiting", "e2e-other" })
        {
            var submitted = await AloraCli.RunAsync(Workspace.Root, Command, environment, "submit", Spec(id));
            Assert.True(submitted.ExitCode == 0, submitted.ToString());
        }

        cluster["node-a"].Terminate();
        Assert.Equal(0, await cluster["node-a"].WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal("1", await cluster.Redis.CommandAsync("DEL", $"{cluster.ServiceId}/state/scheduler/scheduler/default"));

        cluster.ExtraSettings.Clear();
        var silo = await cluster.StartSiloAsync("node-a", SiloStart);
        environment = cluster.ClientEnvironment(silo);
        foreach (var id in new[] { "e2e-waiting", "e2e-other" })
        {
            var done = await PollAsync(environment, id, Watch);
            Assert.Equal("completed", done.Str("state"));
        }

        var info = await AloraCli.RunAsync(Workspace.Root, Command, environment, "cluster", "--format", "json");
        Assert.True(info.ExitCode == 0, info.ToString());
        var status = JsonOutput.Document(info);
        Assert.Equal(["e2e-waiting", "e2e-other"], status.GetProperty("sweeps").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("it had no stored state; the sweep list and queue were rebuilt from 2 stored sweep records (3 trials queued again)", status.Str("scheduler_rebuilt"), StringComparison.Ordinal);
        await cluster.DisposeAndAssertNothingLeftAsync();
    }

    private static readonly string[] Sweeps = ["e2e-waiting", "e2e-other", "e2e-broken"];

    /// <summary><c>alora status</c> over every sweep: the damaged one is listed unreadable with its file, the others as they are; no stack trace.</summary>
    private async Task CheckListingAsync(string gateway, string state)
    {
        var table = await Alora("status", "--gateway", gateway);
        Assert.True(table.ExitCode == 0 && !table.Stdout.Contains("   at ", StringComparison.Ordinal) && !table.Stderr.Contains("   at ", StringComparison.Ordinal), table.ToString());
        var json = JsonOutput.Document(await AloraOk("status", "--gateway", gateway, "--format", "json"));
        var sweeps = json.EnumerateArray().ToDictionary(s => s.Str("sweep_id"), s => s);
        Assert.Equal(["completed", "completed", "unreadable"], Sweeps.Select(id => sweeps[id].Str("state")));
        Assert.Contains(Path.Combine(state, "sweep", "sweepcoordinator", "e2e-broken.json"), sweeps["e2e-broken"].Str("error"), StringComparison.Ordinal);
        Assert.Contains("e2e-broken", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("unreadable", table.Stdout, StringComparison.Ordinal);
    }

    private async Task<JsonElement> PollAsync(IReadOnlyDictionary<string, string> environment, string sweepId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var result = await AloraCli.RunAsync(Workspace.Root, Command, environment, "status", sweepId, "--format", "json");
            Assert.True(result.ExitCode == 0, result.ToString());
            var status = JsonOutput.Document(result);
            if (status.Str("state") != "running" || DateTime.UtcNow > deadline)
            {
                return status;
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>A sweep of lora trials of 6 steps: two seeds for <c>e2e-waiting</c>, one otherwise.</summary>
    private string Spec(string id) => Workspace.WriteSpec($"{id}.yaml", $$"""
        id: {{id}}
        seeds: [{{(id == "e2e-waiting" ? "1, 2" : "1")}}]
        method: lora
        lora: {r: 2}
        training: {learning_rate: 5.0e-3, batch_size: 8, max_steps: 6, eval_every_steps: 6, max_sequence_length: 48, max_dev_examples: 8}
        """);
}
