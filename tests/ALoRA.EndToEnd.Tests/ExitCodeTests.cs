using System.Text.Json;
using Xunit.Abstractions;

namespace ALoRA.EndToEnd.Tests;

/// <summary>Issue 5, scenario 4: the CLI's exit codes against a closed port and a real silo process.</summary>
public sealed class ExitCodeTests(ITestOutputHelper log) : EndToEndTest(log)
{
    [Fact]
    public async Task NoClusterAtTheGateway_ExitCode5_NamingTheGateway()
    {
        var closed = SiloPorts.FreeTcpPorts(1)[0];
        var gateway = $"127.0.0.1:{closed}";

        var result = await Alora("status", "--gateway", gateway, "--connect-timeout", "3");

        Assert.True(result.ExitCode == 5, result.ToString());
        Assert.Contains(gateway, result.Stderr, StringComparison.Ordinal);
        Assert.StartsWith("error: no ALoRA cluster answered at", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("", result.Stdout);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        // --connect-timeout 3 bounds the wait (the rest is the process starting on a busy machine).
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(60), result.ToString());
    }

    [Fact]
    public async Task NoClusterAtTheGatewayOfAloraGatewayVariable_ExitCode5_NamingIt()
    {
        var gateway = $"127.0.0.1:{SiloPorts.FreeTcpPorts(1)[0]}";

        var result = await AloraCli.RunAsync(
            Workspace.Root, Command, new Dictionary<string, string> { ["ALORA_GATEWAY"] = gateway }, "cluster", "--connect-timeout", "3", "--format", "json");

        Assert.True(result.ExitCode == 5, result.ToString());
        Assert.Contains(gateway, result.Stderr, StringComparison.Ordinal);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public async Task Watch_SiloKilledAndNotRestarted_ExitCode5AfterTheConnectTimeout_OnlyJsonOnStdout()
    {
        var spec = Workspace.WriteSpec("long.yaml", """
            id: e2e-orphan
            seeds: [1]
            method: lora
            lora: {r: 4}
            training: {learning_rate: 5.0e-3, batch_size: 16, max_steps: 2000, max_epochs: 100, eval_every_steps: 500, checkpoint_every_steps: 500, max_sequence_length: 64, max_dev_examples: 16}
            """);
        await using var silo = await SiloProcess.StartAsync("node-gone", SiloPorts.Free(), Workspace.PathOf("silo-data"), Workspace.Root, SiloStart);
        var gateway = silo.Ports.Gateway;
        await AloraOk("submit", spec, "--gateway", gateway, "--format", "json");

        // Through ALORA_GATEWAY this time.
        var watcher = AloraCli.Start(
            Workspace.Root, new Dictionary<string, string> { ["ALORA_GATEWAY"] = gateway }, "watch", "e2e-orphan", "--format", "json", "--connect-timeout", "5");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!watcher.Stdout.Contains("\"kind\":\"step\"", StringComparison.Ordinal))
        {
            Assert.True(clock.Elapsed < Command && !watcher.HasExited, $"the watcher printed no step event:\n{watcher.Stdout}\n{watcher.Stderr}\n{silo.Output}");
            await Task.Delay(100);
        }

        await silo.KillAsync();
        clock.Restart();
        var result = await watcher.WaitAsync(TimeSpan.FromMinutes(3));
        Log.WriteLine($"the watcher exited {clock.Elapsed.TotalSeconds:F1} s after the silo was killed, with {result.ExitCode}");

        Assert.True(result.ExitCode == 5, result.ToString());
        Assert.Contains("connection lost", result.Stderr, StringComparison.Ordinal);
        Assert.Contains($"no ALoRA cluster answered at {gateway}", result.Stderr, StringComparison.Ordinal);
        Assert.All(result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => JsonDocument.Parse(line).Dispose());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), $"took {clock.Elapsed} with --connect-timeout 5");
    }

    [Fact]
    public async Task BadInput_ExitCode2_AndUnknownIds_ExitCode6_AgainstARunningSilo()
    {
        await using var silo = await SiloProcess.StartAsync("node-codes", SiloPorts.Free(), Workspace.PathOf("silo-data"), Workspace.Root, SiloStart);
        var gateway = silo.Ports.Gateway;
        var failures = new List<string>();
        try
        {
            // An unknown key: exit 2, the YAML path, line and the file in the message, nothing on stdout, nothing submitted.
            var bad = Workspace.WriteSpec("bad.yaml", """
                seeds: [1]
                method: lora
                training: {learning_rate: 5.0e-3, max_stepz: 10}
                """);
            var submit = await Alora("submit", bad, "--gateway", gateway, "--format", "json");
            Assert.True(submit.ExitCode == 2, submit.ToString());
            Assert.Equal("", submit.Stdout);
            Assert.Contains("training.max_stepz", submit.Stderr, StringComparison.Ordinal);
            Assert.Contains("line 6", submit.Stderr, StringComparison.Ordinal);
            Assert.Contains(bad, submit.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", submit.Stderr, StringComparison.Ordinal);

            // Files are checked where they are read: a relative path resolves against the silo's working directory
            // (its Alora:DataRoot default), not the spec file's folder, next to which the data exists.
            var elsewhere = Workspace.PathOf("client", "relative.yaml");
            Directory.CreateDirectory(Path.GetDirectoryName(elsewhere)!);
            await File.WriteAllTextAsync(elsewhere, $"model: {Workspace.Model}\ndata: ../sst2-small\ntask: sst2\nseeds: [1]\nmethod: lora\n");
            Assert.True(File.Exists(Path.Combine(Workspace.Root, "sst2-small", "train.jsonl")), "the data is next to the client's folder");
            var unseen = await Alora("submit", elsewhere, "--gateway", gateway, "--format", "json");
            Assert.True(unseen.ExitCode == 2, unseen.ToString());
            Assert.Equal("", unseen.Stdout);
            Assert.Contains($"data (line 2, col 7): data folder not found: {Path.GetFullPath(Path.Combine(Workspace.Root, "..", "sst2-small"))}", unseen.Stderr, StringComparison.Ordinal);
            Assert.Contains(elsewhere, unseen.Stderr, StringComparison.Ordinal);
            var sweeps = JsonOutput.Document(await AloraOk("status", "--gateway", gateway, "--format", "json"));
            Assert.Equal(0, sweeps.GetArrayLength());

            // Ids the cluster does not know: exit 6 with a message naming the id, nothing on stdout.
            foreach (var (args, message) in new (string[] Args, string Message)[]
                     {
                         (["show", "no-such-trial", "--format", "json"], "no trial 'no-such-trial'"),
                         (["export", "no-such-trial", "--peft", Workspace.PathOf("peft")], "no trial 'no-such-trial'"),
                         (["status", "no-such-sweep", "--format", "json"], "no sweep 'no-such-sweep'"),
                         (["results", "no-such-sweep", "--out", Workspace.PathOf("results"), "--format", "json"], "no sweep 'no-such-sweep'"),
                         (["cancel", "no-such-sweep"], "no sweep 'no-such-sweep'"),
                         (["watch", "no-such-sweep", "--format", "json"], "no sweep 'no-such-sweep'"),
                     })
            {
                var result = await Alora([.. args, "--gateway", gateway]);
                if (result.ExitCode != 6 || result.Stdout.Length > 0 || !result.Stderr.Contains(message, StringComparison.Ordinal))
                {
                    failures.Add($"expected exit code 6, '{message}' on stderr and nothing on stdout:\n{result}");
                }
            }

            Assert.False(Directory.Exists(Workspace.PathOf("peft")), "export of an unknown trial created its target folder");
            Assert.True(failures.Count == 0, string.Join("\n\n", failures));
        }
        finally
        {
            LogSilo(silo);
        }
    }
}
