using System.Text.Json;
using ALoRA.Abstractions.Cluster;
using ALoRA.Abstractions.Grains;
using ALoRA.Abstractions.Trials;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace ALoRA.EndToEnd.Tests;

/// <summary>
/// Issue 12, point 2 ("whoever reaches the gateway controls the cluster"), against real silo processes: the client token,
/// silo-only trainer methods refused to a raw Orleans client, TLS on the gateway and between silos (docs/security.md).
/// </summary>
public sealed class SecuredClusterTests(ITestOutputHelper log) : EndToEndTest(log)
{
    private const string Token = "4f1c2b9e7a6d5c3b2a1908f7e6d5c4b3";

    [Fact]
    public async Task ClientToken_RawClientCannotActAsTrainer_CliWithoutTokenExits7_CliWithTokenTrains()
    {
        var tokenFile = Workspace.PathOf("token");
        await File.WriteAllTextAsync(tokenFile, Token + "\n");
        var spec = Workspace.WriteSpec("secured.yaml", """
            id: e2e-secured
            seeds: [1]
            method: lora
            lora: {r: 4}
            training: {learning_rate: 5.0e-3, batch_size: 16, max_steps: 4, eval_every_steps: 4, checkpoint_every_steps: 4, max_sequence_length: 64, max_dev_examples: 16}
            """);
        // Ready means the silo's own calls (trainer registration, with the token stamped) went through.
        await using var silo = await SiloProcess.StartAsync(
            "node-token", SiloPorts.Free(), Workspace.PathOf("silo-data"), Workspace.Root, SiloStart,
            new Dictionary<string, string> { ["Alora__Security__ClientTokenFile"] = tokenFile });
        var gateway = silo.Ports.Gateway;

        var none = await Alora("cluster", "--gateway", gateway, "--connect-timeout", "10");
        Assert.True(none.ExitCode == 7, none.ToString());
        Assert.StartsWith("error: unauthenticated", none.Stderr, StringComparison.Ordinal);
        var wrong = await AloraCli.RunAsync(Workspace.Root, Command, new Dictionary<string, string> { ["ALORA_TOKEN"] = Token.ToUpperInvariant() }, "cluster", "--gateway", gateway);
        Assert.True(wrong.ExitCode == 7, wrong.ToString());

        // The issue's attack: a raw Orleans client registers a fake trainer and reports a result. Without the token it
        // is unauthenticated; with it (a token holder with a plain Orleans client) the trainer methods still refuse it.
        using (var client = await RawClientAsync(silo.Ports.GatewayPort))
        {
            var grains = client.Services.GetRequiredService<IClusterClient>();
            var scheduler = grains.GetGrain<ISchedulerGrain>(SchedulerKeys.Default);
            RequestContext.Clear();
            await Assert.ThrowsAsync<UnauthenticatedException>(() => scheduler.GetClusterStatusAsync());
            await Assert.ThrowsAsync<UnauthenticatedException>(() => scheduler.RegisterTrainersAsync("fake", [new DeviceRegistration { Key = "fake/cpu:0" }]));
            RequestContext.Set(ClientToken.RequestContextKey, Token);
            await Assert.ThrowsAsync<SiloOnlyException>(() => scheduler.RegisterTrainersAsync("fake", [new DeviceRegistration { Key = "fake/cpu:0" }]));
            await Assert.ThrowsAsync<SiloOnlyException>(() => scheduler.NextAssignmentAsync("fake/cpu:0"));
            var experiment = grains.GetGrain<IExperimentGrain>("any-trial");
            await Assert.ThrowsAsync<SiloOnlyException>(() => experiment.BeginAttemptAsync("fake/cpu:0@nowhere"));
            await Assert.ThrowsAsync<SiloOnlyException>(() => experiment.CompleteAsync(1, "", new TrialResult { Method = "lora", TestMetric = 0.999 }));
            Assert.DoesNotContain((await scheduler.GetClusterStatusAsync()).Trainers, t => t.Key.StartsWith("fake", StringComparison.Ordinal));
            RequestContext.Clear();
        }

        // The real CLI with the token: submits, trains, and the results are the trainer's.
        var submit = await Alora(Watch, "submit", spec, "--gateway", gateway, "--token-file", tokenFile, "--watch");
        Assert.True(submit.ExitCode == 0, $"{submit}\n{silo.Output}");
        var results = await AloraCli.RunAsync(
            Workspace.Root, Command, new Dictionary<string, string> { ["ALORA_TOKEN_FILE"] = tokenFile }, "results", "e2e-secured", "--gateway", gateway, "--format", "json");
        Assert.True(results.ExitCode == 0, results.ToString());
        Assert.DoesNotContain("0.999", results.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tls_ClientsNeedTheCa_SilosWithTheCaFormACluster_ASiloOfAnotherCaDoesNotJoin()
    {
        using var cluster = TestCertificates.CreateAuthority(Workspace.PathOf("pki-cluster"), "alora-test-ca");
        using var other = TestCertificates.CreateAuthority(Workspace.PathOf("pki-other"), "other-ca");
        var (aCert, aKey) = cluster.Issue("node-a");
        var (bCert, bKey) = cluster.Issue("node-b");
        var (clientCert, clientKey) = cluster.Issue("client");
        var (rogueCert, rogueKey) = other.Issue("rogue");
        Dictionary<string, string> Tls(string cert, string key, string ca) => new()
        {
            ["Alora__Security__Tls__CertificateFile"] = cert,
            ["Alora__Security__Tls__KeyFile"] = key,
            ["Alora__Security__Tls__CaFile"] = ca,
        };

        var aPorts = SiloPorts.Free();
        await using var a = await SiloProcess.StartAsync("node-a", aPorts, Workspace.PathOf("a-data"), Workspace.Root, SiloStart, Tls(aCert, aKey, cluster.CaFile));
        var gateway = a.Ports.Gateway;

        // A client without TLS, or trusting another CA, or presenting a certificate of another CA, is refused clearly.
        var plain = await Alora("cluster", "--gateway", gateway, "--connect-timeout", "4");
        Assert.True(plain.ExitCode == 5, plain.ToString());
        Assert.Contains("--tls-ca", plain.Stderr, StringComparison.Ordinal);
        var untrusted = await Alora("cluster", "--gateway", gateway, "--connect-timeout", "4", "--tls-ca", other.CaFile);
        Assert.True(untrusted.ExitCode == 5, untrusted.ToString());
        var foreignClient = await Alora("cluster", "--gateway", gateway, "--connect-timeout", "4", "--tls-ca", cluster.CaFile, "--tls-cert", rogueCert, "--tls-key", rogueKey);
        Assert.True(foreignClient.ExitCode == 5, foreignClient.ToString());
        var badKey = await Alora("cluster", "--gateway", gateway, "--tls-ca", cluster.CaFile, "--tls-cert", clientCert, "--tls-key", rogueKey);
        Assert.True(badKey.ExitCode == 2, badKey.ToString());

        // With the CA (and with a client certificate of the cluster's CA) it works.
        await AloraOk("cluster", "--gateway", gateway, "--tls-ca", cluster.CaFile);
        await AloraOk("cluster", "--gateway", gateway, "--tls-ca", cluster.CaFile, "--tls-cert", clientCert, "--tls-key", clientKey);

        // A second silo with a certificate of the cluster's CA joins over mutual TLS; one of another CA does not.
        // The rogue starts first, so it has at least as long as the good one to join.
        var rogueJoin = new Dictionary<string, string>(Tls(rogueCert, rogueKey, other.CaFile)) { ["Alora__Silo__PrimarySiloEndpoint"] = $"127.0.0.1:{aPorts.SiloPort}" };
        await using var rogue = SiloProcess.Start("node-rogue", SiloPorts.Free(), Workspace.PathOf("rogue-data"), Workspace.Root, rogueJoin);
        var join = new Dictionary<string, string>(Tls(bCert, bKey, cluster.CaFile)) { ["Alora__Silo__PrimarySiloEndpoint"] = $"127.0.0.1:{aPorts.SiloPort}" };
        await using var b = await SiloProcess.StartAsync("node-b", SiloPorts.Free(), Workspace.PathOf("b-data"), Workspace.Root, SiloStart, join);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(40);
        JsonElement trainers;
        do
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            var status = await AloraOk("cluster", "--gateway", gateway, "--tls-ca", cluster.CaFile, "--format", "json");
            trainers = JsonOutput.Document(status);
        }
        while (DateTime.UtcNow < deadline && !trainers.ToString().Contains("node-b/cpu:0", StringComparison.Ordinal));

        // Another 45 s for the rogue: it never becomes an active silo (its handshakes with node-a fail).
        var rogueStarted = await Record.ExceptionAsync(() => rogue.WaitForOutputAsync("Application started", TimeSpan.FromSeconds(45))) is null;
        Log.WriteLine(rogue.Output);
        Assert.False(rogueStarted, rogue.Output);
        trainers = JsonOutput.Document(await AloraOk("cluster", "--gateway", gateway, "--tls-ca", cluster.CaFile, "--format", "json"));
        var listed = trainers.ToString();
        Assert.Contains("node-a/cpu:0", listed, StringComparison.Ordinal);
        Assert.Contains("node-b/cpu:0", listed, StringComparison.Ordinal);
        Assert.DoesNotContain("node-rogue", listed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Silo_TlsKeyOfAnotherCertificate_Exits2NamingTheKey()
    {
        using var pki = TestCertificates.CreateAuthority(Workspace.PathOf("pki"), "alora-test-ca");
        var (cert, _) = pki.Issue("node");
        var (_, otherKey) = pki.Issue("another");
        await using var silo = SiloProcess.Start(
            "node-badkey", SiloPorts.Free(), Workspace.PathOf("silo-data"), Workspace.Root,
            new Dictionary<string, string>
            {
                ["Alora__Security__Tls__CertificateFile"] = cert,
                ["Alora__Security__Tls__KeyFile"] = otherKey,
                ["Alora__Security__Tls__CaFile"] = pki.CaFile,
            });

        var exitCode = await silo.WaitForExitAsync(SiloStart);

        Assert.True(exitCode == 2, $"exit code {exitCode}; output:\n{silo.Output}");
        Assert.Contains("Alora:Security:Tls:KeyFile", silo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AllowedRoots_PathOutsideRefusedAtSubmitWithExit2_SameAnswerWhetherItExists_InsideAccepted()
    {
        var model = Workspace.PathOf("models", "stories260K");
        CopyFolder(Workspace.Model, model);
        await using var silo = await SiloProcess.StartAsync(
            "node-roots", SiloPorts.Free(), Workspace.PathOf("silo-data"), Workspace.Root, SiloStart,
            new Dictionary<string, string> { [$"{SiloProcess.AllowedRootsVariable}__0"] = Workspace.Root });
        var gateway = silo.Ports.Gateway;
        string Spec(string id, string modelPath)
        {
            var file = Workspace.WriteSpec($"{id}.yaml", $"id: {id}\nseeds: [1]\nmethod: lora\ntraining: {{max_steps: 2, batch_size: 8, max_sequence_length: 32, max_dev_examples: 8}}\n");
            File.WriteAllLines(file, File.ReadAllLines(file).Select(l => l.StartsWith("model: ", StringComparison.Ordinal) ? $"model: {modelPath}" : l));
            return file;
        }

        // Before: "model folder /etc has no config.json" (it exists) against "model folder not found" (it does not).
        var existing = await Alora("submit", Spec("roots-a", "/etc"), "--gateway", gateway);
        var missing = await Alora("submit", Spec("roots-b", "/no-such-folder"), "--gateway", gateway);
        var escape = await Alora("submit", Spec("roots-c", Path.Combine(Workspace.Root, "..", "..", "etc")), "--gateway", gateway);
        foreach (var refused in new[] { existing, missing, escape })
        {
            Assert.True(refused.ExitCode == 2, refused.ToString());
            Assert.Contains("model", refused.Stderr, StringComparison.Ordinal);
            Assert.Contains("Alora:Silo:AllowedRoots", refused.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("config.json", refused.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("not found", refused.Stderr, StringComparison.Ordinal);
        }

        Assert.Equal(
            existing.Stderr.Replace("roots-a", "S", StringComparison.Ordinal).Replace("/etc", "P", StringComparison.Ordinal),
            missing.Stderr.Replace("roots-b", "S", StringComparison.Ordinal).Replace("/no-such-folder", "P", StringComparison.Ordinal));

        // Inside the root the submit goes through (and a missing folder there may say so).
        await AloraOk("submit", Spec("roots-ok", model), "--gateway", gateway);
        var inside = await Alora("submit", Spec("roots-gone", Workspace.PathOf("models", "gone")), "--gateway", gateway);
        Assert.True(inside.ExitCode == 2, inside.ToString());
        Assert.Contains("not found", inside.Stderr, StringComparison.Ordinal);
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }

    private static async Task<IHost> RawClientAsync(int gatewayPort)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(c => c.UseLocalhostClustering(gatewayPort, "alora", "alora-dev"));
        var client = builder.Build();
        using var connect = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await client.StartAsync(connect.Token);
        return client;
    }
}
