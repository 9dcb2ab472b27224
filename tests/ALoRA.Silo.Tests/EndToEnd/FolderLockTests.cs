using System.Text.Json;
using ALoRA.Grains.Storage;

namespace ALoRA.Silo.Tests.EndToEnd;

/// <summary>
/// One cluster per storage folder, with real silo processes (issue: a forgotten <c>PrimarySiloEndpoint</c> started a
/// second primary on the same folder; both trained the same trial and the gateways disagreed).
/// </summary>
public sealed class FolderLockTests : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("alora-folder-lock-");

    private string Data => Path.Combine(_directory.FullName, "data");

    private static Dictionary<string, string> Cluster(string clusterId, string? primary = null)
    {
        var settings = new Dictionary<string, string> { ["Alora__Silo__ClusterId"] = clusterId };
        if (primary is not null)
        {
            settings["Alora__Silo__PrimarySiloEndpoint"] = primary;
        }

        return settings;
    }

    [Fact]
    public async Task SecondPrimaryOnTheSameFolder_ExitsWith2NamingTheFolderAndTheOwner_ASecondaryJoins_AndTheKilledPrimaryRestarts()
    {
        var clusterId = $"lock-{Guid.NewGuid():N}";
        var portsA = SiloPorts.Free();
        await using var a = await SiloProcess.StartAsync("node-a", portsA, Data, _directory.FullName, StartTimeout, Cluster(clusterId));

        // The same settings but other ports and no PrimarySiloEndpoint: a second primary on the same folders.
        await using (var b = SiloProcess.Start("node-b", SiloPorts.Free(), Data, _directory.FullName, Cluster(clusterId)))
        {
            var exitCode = await b.WaitForExitAsync(StartTimeout);

            Assert.True(exitCode == 2, $"exit code {exitCode}; output:\n{b.Output}");
            var state = Path.Combine(Data, "state");
            Assert.Contains(
                $"Alora:Storage:RootDirectory = {state}: the folder {state} is in use by the live silos of another cluster: " +
                $"cluster '{clusterId}' (service 'alora', localhost clustering, primary silo 127.0.0.1:{portsA.SiloPort} on {Environment.MachineName}), " +
                $"recorded by silo 'node-a' (host {Environment.MachineName}, pid {a.Id}, started ", b.Output, StringComparison.Ordinal);
            Assert.Contains($"to join it set Alora:Silo:PrimarySiloEndpoint=127.0.0.1:{portsA.SiloPort}", b.Output, StringComparison.Ordinal);
            Assert.Contains($"Alora:Checkpoints:RootDirectory = {Path.Combine(Data, "checkpoints")}: the folder", b.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", b.Output, StringComparison.Ordinal);
        }

        // A silo that joins the primary shares its folders.
        await using var c = await SiloProcess.StartAsync("node-c", SiloPorts.Free(), Data, _directory.FullName, StartTimeout,
            Cluster(clusterId, primary: $"127.0.0.1:{portsA.SiloPort}"));

        // kill -9: the kernel drops the primary's lock; the primary started again (same settings) takes its folders.
        await a.KillAsync();
        await using var again = await SiloProcess.StartAsync("node-a", portsA, Data, _directory.FullName, StartTimeout, Cluster(clusterId));
        Assert.False(c.HasExited, c.Output);
    }

    [Fact]
    public async Task PrimaryKilled_AnotherClusterTakesTheFolderOver()
    {
        var first = $"lock-{Guid.NewGuid():N}";
        var second = $"lock-{Guid.NewGuid():N}";
        await using (var a = await SiloProcess.StartAsync("node-a", SiloPorts.Free(), Data, _directory.FullName, StartTimeout, Cluster(first)))
        {
            Assert.Equal(first, ClusterFolderLock.ReadOwner(Path.Combine(Data, "state"))!.ClusterId);
            await a.KillAsync();
        }

        await using var b = await SiloProcess.StartAsync("node-b", SiloPorts.Free(), Data, _directory.FullName, StartTimeout, Cluster(second));

        var owner = ClusterFolderLock.ReadOwner(Path.Combine(Data, "state"))!;
        Assert.Equal((second, "node-b", b.Id), (owner.ClusterId, owner.SiloName, owner.Pid));
        Assert.Equal(owner, JsonSerializer.Deserialize<ClusterFolderOwner>(File.ReadAllText(Path.Combine(Data, "checkpoints", ClusterFolderLock.OwnerFile))));
    }

    public void Dispose()
    {
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
