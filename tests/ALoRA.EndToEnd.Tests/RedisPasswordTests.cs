using Xunit.Abstractions;

namespace ALoRA.EndToEnd.Tests;

/// <summary>
/// Issue 12 (hardened manifests): Redis with a password, as k8s/base runs it (<c>requirepass</c> from a Secret, the
/// silos' <c>Alora__Silo__RedisConnectionString</c> with <c>,password=...</c>). A real silo on Redis clustering and
/// Redis storage with the right password runs a sweep, its state is in Redis and a restarted silo reads it back. A silo
/// with a wrong or no password stops at start with exit code 2 and one line naming the setting and Redis' reply, not
/// an unhandled exception (exit 134) with a stack trace, and without echoing the password it was given.
/// </summary>
public sealed class RedisPasswordTests(ITestOutputHelper log) : EndToEndTest(log)
{
    private static readonly TimeSpan Exit = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task RedisWithRequirepass_SiloWithThePassword_StoresAndReadsBackState_WrongOrMissingPasswordExits2WithAClearMessage()
    {
        const string sweepId = "e2e-redis-password";
        var spec = Workspace.WriteSpec($"{sweepId}.yaml", $$"""
            id: {{sweepId}}
            seeds: [3]
            method: lora
            lora: {r: 2}
            training: {learning_rate: 5.0e-3, batch_size: 8, max_steps: 4, eval_every_steps: 4, max_sequence_length: 48, max_dev_examples: 8}
            """);
        var password = $"pw-{Guid.NewGuid():N}";
        await using var cluster = await RedisCluster.CreateAsync(Workspace, "e2e-redis-password", password);

        // The server really requires the password, and the silos are given it in the connection string.
        Assert.StartsWith("-NOAUTH", await cluster.Redis.UnauthenticatedCommandAsync("PING"), StringComparison.Ordinal);
        Assert.EndsWith($",password={password}", cluster.Settings()["Alora__Silo__RedisConnectionString"], StringComparison.Ordinal);

        await cluster.StartSilosAsync(SiloStart, "node-a");
        var submitted = await CliAsync(cluster, Watch, "submit", spec, "--watch");
        Assert.True(submitted.ExitCode == 0, submitted + cluster.Output());

        // Stored in Redis under the service id (read here with the password) ...
        var schedulerKey = $"{cluster.ServiceId}/state/scheduler/scheduler/default";
        Assert.Equal("1", await cluster.Redis.CommandAsync("EXISTS", schedulerKey));
        Assert.StartsWith("-NOAUTH", await cluster.Redis.UnauthenticatedCommandAsync("GET", schedulerKey), StringComparison.Ordinal);

        // ... and read back by a restarted silo.
        var silo = cluster["node-a"];
        silo.Terminate();
        Assert.Equal(0, await silo.WaitForExitAsync(Exit));
        await cluster.StartSiloAsync("node-a", SiloStart);
        var status = await CliAsync(cluster, Command, "status", sweepId, "--format", "json");
        Assert.True(status.ExitCode == 0, status + cluster.Output());
        var sweep = JsonOutput.Document(status);
        Assert.Equal("completed", sweep.Str("state"));
        Assert.Equal(["completed"], sweep.GetProperty("trials").EnumerateArray().Select(t => t.Str("state")));

        // A wrong password, then none: the silo stops at start, exit 2, naming the setting and Redis' reply.
        var wrong = $"wrong-{Guid.NewGuid():N}";
        foreach (var (connection, reply) in new[]
                 {
                     ($"127.0.0.1:{cluster.Redis.Port},password={wrong}", "WRONGPASS"),
                     ($"127.0.0.1:{cluster.Redis.Port}", "NOAUTH"),
                 })
        {
            var settings = new Dictionary<string, string>(cluster.Settings()) { ["Alora__Silo__RedisConnectionString"] = connection };
            await using var refused = SiloProcess.Start("node-refused", SiloPorts.Free(), Workspace.PathOf("node-refused-data"), Workspace.Root, settings);
            var exitCode = await refused.WaitForExitAsync(Exit);
            var output = refused.Output;
            Log.WriteLine($"--- silo with {(connection.Contains("password", StringComparison.Ordinal) ? "a wrong" : "no")} password: exit {exitCode} ---\n{output}");
            Assert.True(exitCode == 2, $"exit code {exitCode}, expected 2; output:\n{output}");
            Assert.Contains("alora-silo: invalid configuration", output, StringComparison.Ordinal);
            Assert.Contains($"Alora:Silo:RedisConnectionString: authentication with Redis failed ({reply}", output, StringComparison.Ordinal);
            Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
            Assert.DoesNotContain(wrong, output, StringComparison.Ordinal);
        }

        // The silo with the password was not disturbed.
        Assert.False(cluster["node-a"].HasExited, cluster.Output());
        await cluster.DisposeAndAssertNothingLeftAsync();
    }

    private async Task<CliResult> CliAsync(RedisCluster cluster, TimeSpan timeout, params string[] args)
    {
        var result = await AloraCli.RunAsync(Workspace.Root, timeout, cluster.ClientEnvironment(cluster["node-a"]), args);
        Log.WriteLine($"[{DateTime.Now:HH:mm:ss.f}] alora {result.CommandLine} -> {result.ExitCode} in {result.Elapsed.TotalSeconds:F1} s");
        return result;
    }
}
