using ALoRA.Grains.Storage;

namespace ALoRA.Grains.Tests.Storage;

/// <summary>The folder lock in one process (its locks are per open file, so two holders here behave as two processes would).</summary>
public sealed class ClusterFolderLockTests : IDisposable
{
    private readonly TempDirectory _dir = TempDirectory.Create("folder-lock");

    private static ClusterFolderOwner Silo(string clusterId, string name, string? primary = "127.0.0.1:11111") => new()
    {
        Clustering = "localhost", ServiceId = "alora", ClusterId = clusterId, PrimarySiloEndpoint = primary, PrimaryHost = "host-a",
        SiloName = name, Host = "host-a", Pid = 4242, StartedAt = DateTimeOffset.UnixEpoch,
    };

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void SilosOfOneCluster_ShareTheFolder_AnotherClusterIsRefusedNamingTheOwner_UntilTheyAreGone()
    {
        var first = ClusterFolderLock.Acquire(_dir.Path, Silo("c1", "node-a"), TimeSpan.Zero);
        Assert.True(first.TookOver);
        using var second = ClusterFolderLock.Acquire(_dir.Path, Silo("c1", "node-b"), TimeSpan.Zero);
        Assert.False(second.TookOver);
        Assert.Equal("node-a", second.Owner.SiloName);

        var refused = Assert.Throws<ClusterFolderInUseException>(() => ClusterFolderLock.Acquire(_dir.Path, Silo("c1", "node-x", primary: "127.0.0.1:11112"), TimeSpan.FromMilliseconds(300)));
        Assert.Equal(
            $"the folder {_dir.Path} is in use by the live silos of another cluster: cluster 'c1' (service 'alora', localhost clustering, primary silo 127.0.0.1:11111 on host-a), " +
            "recorded by silo 'node-a' (host host-a, pid 4242, started 1970-01-01T00:00:00.0000000+00:00); this silo is cluster 'c1' (service 'alora', localhost clustering, primary silo 127.0.0.1:11112 on host-a)",
            refused.Message);
        Assert.Equal(_dir.Path, refused.Folder);
        Assert.Throws<ClusterFolderInUseException>(() => ClusterFolderLock.Acquire(_dir.Path, Silo("c2", "node-y"), TimeSpan.Zero));

        // One holder left is still a live cluster; none left and the record is stale.
        first.Dispose();
        Assert.Throws<ClusterFolderInUseException>(() => ClusterFolderLock.Acquire(_dir.Path, Silo("c2", "node-y"), TimeSpan.Zero));
        second.Dispose();
        using var taken = ClusterFolderLock.Acquire(_dir.Path, Silo("c2", "node-y"), TimeSpan.Zero);
        Assert.True(taken.TookOver);
        Assert.Equal(("c2", "node-y"), (ClusterFolderLock.ReadOwner(_dir.Path)!.ClusterId, ClusterFolderLock.ReadOwner(_dir.Path)!.SiloName));
        Assert.Contains("\"cluster_id\": \"c2\"", File.ReadAllText(Path.Combine(_dir.Path, ClusterFolderLock.OwnerFile)), StringComparison.Ordinal);
    }
}
