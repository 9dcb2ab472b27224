using System.Text.Json;
using Xunit.Abstractions;

namespace ALoRA.EndToEnd.Tests;

/// <summary>
/// Issue 10, item 3, with real processes: garbage in a trial's Redis record and a scheduler record from a newer
/// version (schema_version 2). The restarted silo starts and stays up (no exit 134, no crash loop); <c>alora status</c>,
/// <c>alora status SWEEP</c> and <c>alora cluster</c> answer, naming the key and the reason; nothing is written over the
/// trial's record, and the scheduler's is set aside under a new key (issue 12) while its queue is rebuilt.
/// </summary>
public sealed class RedisUnreadableStateTests(ITestOutputHelper log) : EndToEndTest(log)
{
    private static readonly TimeSpan Training = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task UnreadableTrialAndSchedulerRecords_SiloStartsAndStaysUp_StatusNamesThem_SchedulerRecordSetAsideAndRebuilt()
    {
        const string sweepId = "e2e-unreadable";
        var spec = Workspace.WriteSpec($"{sweepId}.yaml", $$"""
            id: {{sweepId}}
            seeds: [1, 2]
            method: lora
            lora: {r: 2}
            training: {learning_rate: 5.0e-3, batch_size: 8, max_steps: 6, eval_every_steps: 6, max_sequence_length: 48, max_dev_examples: 8}
            """);
        await using var cluster = await RedisCluster.CreateAsync(Workspace, "e2e-unreadable");
        await cluster.StartSilosAsync(SiloStart, "node-a");
        var silo = cluster["node-a"];
        Assert.Equal(0, (await CliAsync(cluster, "submit", spec, "--watch")).ExitCode);
        var before = await StatusJsonAsync(cluster, sweepId);
        var trials = before.GetProperty("trials").EnumerateArray().Select(t => t.Str("trial_id")).ToList();
        Assert.Equal(2, trials.Count);

        // A hand edit gone wrong on one trial, and a scheduler record written by a newer version.
        silo.Terminate();
        Assert.Equal(0, await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var trialKey = $"{cluster.ServiceId}/state/experiment/experiment/{trials[0]}";
        var schedulerKey = $"{cluster.ServiceId}/state/scheduler/scheduler/default";
        Assert.NotNull(await cluster.Redis.CommandAsync("GET", trialKey));
        var newerScheduler = (await cluster.Redis.CommandAsync("GET", schedulerKey))!.Replace("\"schema_version\": 1", "\"schema_version\": 2", StringComparison.Ordinal);
        Assert.Equal("OK", await cluster.Redis.CommandAsync("SET", trialKey, "{ garbage"));
        Assert.Equal("OK", await cluster.Redis.CommandAsync("SET", schedulerKey, newerScheduler));

        silo = await cluster.StartSiloAsync("node-a", SiloStart);

        // The sweep's status names the unreadable trial, with its key and why; the other trial is as it was.
        var status = await StatusJsonAsync(cluster, sweepId);
        var broken = status.GetProperty("trials").EnumerateArray().Single(t => t.Str("trial_id") == trials[0]);
        Assert.Equal("unreadable", broken.Str("state"));
        Assert.Contains(trialKey, broken.Str("error"), StringComparison.Ordinal);
        Assert.Contains("not valid JSON", broken.Str("error"), StringComparison.Ordinal);
        Assert.Equal("completed", status.GetProperty("trials").EnumerateArray().Single(t => t.Str("trial_id") == trials[1]).Str("state"));
        var table = await CliAsync(cluster, "status", sweepId);
        Assert.True(table.ExitCode == 0 && table.Stdout.Contains("unreadable", StringComparison.Ordinal) && table.Stdout.Contains(trialKey, StringComparison.Ordinal), table.ToString());

        // The scheduler's record was set aside (renamed, kept byte for byte) and its queue rebuilt from the sweep records;
        // `cluster` says so, with the reason and where the record is kept. Nothing was written over the trial's record.
        // (The rebuild runs in the background once the scheduler activates.)
        JsonElement info;
        for (var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60); ; await Task.Delay(TimeSpan.FromSeconds(1)))
        {
            var clusterInfo = await CliAsync(cluster, "cluster", "--format", "json");
            Assert.True(clusterInfo.ExitCode == 0, clusterInfo.ToString());
            info = JsonOutput.Document(clusterInfo);
            if (!info.IsNull("scheduler_rebuilt") || DateTime.UtcNow > deadline)
            {
                break;
            }
        }

        Assert.True(info.IsNull("scheduler_error"), info.ToString());
        var rebuilt = info.Str("scheduler_rebuilt");
        Assert.Contains("schema_version 2 is not supported", rebuilt, StringComparison.Ordinal);
        Assert.Contains($"kept as '{schedulerKey}.unreadable-", rebuilt, StringComparison.Ordinal);
        var keptKey = rebuilt[(rebuilt.IndexOf($"'{schedulerKey}.unreadable-", StringComparison.Ordinal) + 1)..];
        keptKey = keptKey[..keptKey.IndexOf('\'', StringComparison.Ordinal)];
        Assert.Equal(newerScheduler, await cluster.Redis.CommandAsync("GET", keptKey));
        Assert.Equal(["e2e-unreadable"], info.GetProperty("sweeps").EnumerateArray().Select(e => e.GetString()));
        var list = await CliAsync(cluster, "status");
        Assert.True(list.ExitCode == 0 && list.Stdout.Contains(sweepId, StringComparison.Ordinal) && !list.Stderr.Contains("warning", StringComparison.Ordinal), list.ToString());
        Assert.Equal("{ garbage", await cluster.Redis.CommandAsync("GET", trialKey));
        Assert.False(silo.HasExited, cluster.Output());

        // Resubmitting works at once: the finished trial is reused and the unreadable one is left alone.
        var resubmitted = await CliAsync(cluster, "submit", spec, "--format", "json");
        Assert.True(resubmitted.ExitCode == 0, resubmitted.ToString());
        Assert.Equal(1, JsonOutput.Document(resubmitted).Int("reused"));
        var after = await StatusJsonAsync(cluster, sweepId);
        Assert.Equal("completed", after.Str("state"));
        Assert.Equal(["unreadable", "completed"], after.GetProperty("trials").EnumerateArray().Select(t => t.Str("state")));
        Assert.Equal("{ garbage", await cluster.Redis.CommandAsync("GET", trialKey));

        await cluster.DisposeAndAssertNothingLeftAsync();
    }

    private async Task<CliResult> CliAsync(RedisCluster cluster, params string[] args)
    {
        var result = await AloraCli.RunAsync(Workspace.Root, args.Contains("--watch") ? Watch : Command, cluster.ClientEnvironment(cluster["node-a"]), args);
        Log.WriteLine($"[{DateTime.Now:HH:mm:ss.f}] alora {result.CommandLine} -> {result.ExitCode} in {result.Elapsed.TotalSeconds:F1} s");
        return result;
    }

    private async Task<JsonElement> StatusJsonAsync(RedisCluster cluster, string sweepId)
    {
        var result = await CliAsync(cluster, "status", sweepId, "--format", "json");
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonOutput.Document(result);
    }
}
