using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace ALoRA.Grains.Storage;

/// <summary>
/// Keeps the silos of two clusters out of one folder (docs/operations.md, "One folder, one cluster"). Every silo using
/// the folder holds an OS lock on <c>&lt;folder&gt;/cluster.lock</c> for its lifetime (shared; <c>flock</c> on Linux,
/// released by the kernel when the process dies, <c>kill -9</c> included); <c>&lt;folder&gt;/cluster.json</c> records
/// the cluster (<see cref="ClusterFolderOwner"/>). A silo of the recorded cluster joins; a silo of another cluster is
/// refused while any silo holds the lock; with no live holder the record is stale and the new silo's cluster takes the
/// folder over (it takes the lock exclusively for that moment, then shares it).
/// </summary>
public sealed class ClusterFolderLock : IDisposable
{
    /// <summary>The lock file (also holds a copy of the record, for people).</summary>
    public const string LockFile = "cluster.lock";

    /// <summary>The record of the cluster using the folder.</summary>
    public const string OwnerFile = "cluster.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    private readonly FileStream _handle;

    private ClusterFolderLock(string folder, FileStream handle, ClusterFolderOwner owner, bool tookOver)
    {
        Folder = folder;
        _handle = handle;
        Owner = owner;
        TookOver = tookOver;
    }

    /// <summary>The folder (absolute).</summary>
    public string Folder { get; }

    /// <summary>The record in force (this silo's when it wrote it).</summary>
    public ClusterFolderOwner Owner { get; }

    /// <summary>True when this silo wrote the record (the folder was new, or its previous cluster had no live silo).</summary>
    public bool TookOver { get; }

    /// <summary>
    /// Takes the folder for <paramref name="me"/>'s cluster; waits up to <paramref name="wait"/> for silos that are
    /// starting at the same moment.
    /// </summary>
    /// <param name="folder">The folder (created when missing).</param>
    /// <param name="me">This silo's cluster and process.</param>
    /// <param name="wait">How long to keep trying while another cluster's record is in force.</param>
    /// <exception cref="ClusterFolderInUseException">Live silos of another cluster use the folder.</exception>
    /// <exception cref="IOException">The folder or its lock file cannot be created.</exception>
    public static ClusterFolderLock Acquire(string folder, ClusterFolderOwner me, TimeSpan wait)
    {
        ArgumentNullException.ThrowIfNull(me);
        folder = Path.GetFullPath(folder);
        Directory.CreateDirectory(folder);
        var lockPath = Path.Combine(folder, LockFile);
        var deadline = Stopwatch.StartNew();
        ClusterFolderOwner? seen = null;
        while (true)
        {
            if (TryOpen(lockPath, FileShare.None) is { } exclusive)
            {
                // No silo uses the folder now: whatever the record says is stale. Ours from now on.
                using (exclusive)
                {
                    var bytes = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(me, Json) + "\n");
                    WriteOwner(folder, bytes);
                    exclusive.SetLength(0);
                    exclusive.Write(bytes);
                    exclusive.Flush(flushToDisk: true);
                }

                if (TryOpen(lockPath, FileShare.ReadWrite) is { } shared)
                {
                    return new ClusterFolderLock(folder, shared, me, tookOver: true);
                }

                continue; // another silo took it exclusively in between: look again
            }

            seen = ReadOwner(folder);
            if (seen is not null && seen.SameClusterAs(me) && TryOpen(lockPath, FileShare.ReadWrite) is { } joined)
            {
                return new ClusterFolderLock(folder, joined, seen, tookOver: false);
            }

            if (deadline.Elapsed >= wait)
            {
                var owner = seen is null
                    ? "silos whose record (cluster.json) cannot be read"
                    : $"{seen.DescribeCluster()}, recorded by {seen.DescribeWriter()}";
                throw new ClusterFolderInUseException(
                    $"the folder {folder} is in use by the live silos of another cluster: {owner}; this silo is {me.DescribeCluster()}")
                {
                    Folder = folder,
                    Owner = seen,
                };
            }

            Thread.Sleep(100);
        }
    }

    /// <summary>The record in <paramref name="folder"/>, or null when there is none or it cannot be read.</summary>
    /// <param name="folder">The folder.</param>
    public static ClusterFolderOwner? ReadOwner(string folder)
    {
        try
        {
            return JsonSerializer.Deserialize<ClusterFolderOwner>(File.ReadAllText(Path.Combine(folder, OwnerFile)));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Releases the lock (the process ending does the same).</summary>
    public void Dispose() => _handle.Dispose();

    private static FileStream? TryOpen(string path, FileShare share)
    {
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, share);
        }
        catch (IOException) when (File.Exists(path))
        {
            return null; // held by another process in a conflicting mode
        }
    }

    private static void WriteOwner(string folder, byte[] bytes)
    {
        var path = Path.Combine(folder, OwnerFile);
        var temp = Path.Combine(folder, $".{OwnerFile}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}
