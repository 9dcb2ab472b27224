using System.Net;
using ALoRA.Grains.Checkpoints;
using ALoRA.Grains.Hosting;
using ALoRA.Grains.Storage;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace ALoRA.Silo.Hosting;

/// <summary>
/// The silo's hold on the folders it shares with the rest of its cluster: the <c>file</c> grain storage
/// (<c>Alora:Storage:RootDirectory</c>) and the checkpoint store (<c>Alora:Checkpoints:RootDirectory</c>), each taken
/// with a <see cref="ClusterFolderLock"/> for the life of the process, so that a second cluster on the same folders (a
/// forgotten <c>PrimarySiloEndpoint</c> starts a second primary) is refused at start. Taken once, when the settings
/// are validated (<see cref="SiloFolderLockCheck"/>); released when the host is disposed or the process ends.
/// </summary>
public sealed class SiloFolderLocks(
    IOptions<ClusterOptions> cluster,
    IOptionsMonitor<FileGrainStorageOptions> storage,
    IOptions<CheckpointStoreOptions> checkpoints) : IDisposable
{
    private static readonly DateTimeOffset ProcessStarted = DateTimeOffset.UtcNow;
    private readonly Lock _gate = new();
    private readonly List<ClusterFolderLock> _held = [];
    private IReadOnlyList<string>? _errors;

    /// <summary>How long a silo waits for silos of another cluster that may be starting at the same moment.</summary>
    public static TimeSpan Wait { get; } = TimeSpan.FromSeconds(2);

    /// <summary>The locks held.</summary>
    public IReadOnlyList<ClusterFolderLock> Held
    {
        get
        {
            lock (_gate)
            {
                return [.. _held];
            }
        }
    }

    /// <summary>Takes the folders for this silo's cluster (once; later calls return the first answer); the problems, each naming its setting and the owner.</summary>
    /// <param name="options">This silo's settings.</param>
    public IReadOnlyList<string> Acquire(SiloHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        lock (_gate)
        {
            return _errors ??= Take(options);
        }
    }

    /// <summary>This silo's cluster, as the folders record it.</summary>
    /// <param name="options">This silo's settings.</param>
    /// <param name="serviceId">The effective service id.</param>
    /// <param name="clusterId">The effective cluster id.</param>
    public static ClusterFolderOwner Identity(SiloHostOptions options, string serviceId, string clusterId)
    {
        ArgumentNullException.ThrowIfNull(options);
        string? primary = null;
        string? primaryHost = null;
        if (SiloClustering.Is(options.Clustering, SiloClustering.Localhost))
        {
            IPEndPoint endpoint;
            if (!string.IsNullOrWhiteSpace(options.PrimarySiloEndpoint))
            {
                endpoint = SiloEndpoints.ResolveEndPoint(SiloHostOptionsValidator.Key(nameof(options.PrimarySiloEndpoint)), options.PrimarySiloEndpoint);
            }
            else
            {
                var advertised = options.AdvertisedAddress is { } a
                    ? SiloEndpoints.Resolve(SiloHostOptionsValidator.Key(nameof(options.AdvertisedAddress)), a)
                    : IPAddress.Loopback;
                endpoint = new IPEndPoint(advertised, options.SiloPort);
            }

            if (IPAddress.IsLoopback(endpoint.Address))
            {
                endpoint = new IPEndPoint(IPAddress.Loopback, endpoint.Port);
                primaryHost = Environment.MachineName;
            }

            primary = endpoint.ToString();
        }

        return new ClusterFolderOwner
        {
            Clustering = options.Clustering.Trim().ToLowerInvariant(),
            ServiceId = serviceId,
            ClusterId = clusterId,
            PrimarySiloEndpoint = primary,
            PrimaryHost = primaryHost,
            SiloName = options.SiloName,
            Host = Environment.MachineName,
            Pid = Environment.ProcessId,
            StartedAt = ProcessStarted,
        };
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var held in _held)
            {
                held.Dispose();
            }

            _held.Clear();
        }
    }

    private List<string> Take(SiloHostOptions options)
    {
        var errors = new List<string>();
        ClusterFolderOwner me;
        try
        {
            me = Identity(options, cluster.Value.ServiceId, cluster.Value.ClusterId);
        }
        catch (OptionsValidationException)
        {
            return errors; // a bad endpoint: the value validator says so
        }

        var folders = new List<(string Key, string Folder)>();
        if (SiloClustering.Is(options.Storage, SiloStorage.File) && Folder(() => storage.Get(AloraStorageNames.State).RootDirectory) is { } state)
        {
            folders.Add(($"{FileGrainStorageOptions.Section}:{nameof(FileGrainStorageOptions.RootDirectory)}", state));
        }

        if (Folder(() => checkpoints.Value.RootDirectory) is { } checkpointRoot
            && !folders.Any(f => string.Equals(f.Folder, checkpointRoot, StringComparison.Ordinal)))
        {
            folders.Add(($"{CheckpointStoreOptions.Section}:{nameof(CheckpointStoreOptions.RootDirectory)}", checkpointRoot));
        }

        foreach (var (key, folder) in folders)
        {
            try
            {
                _held.Add(ClusterFolderLock.Acquire(folder, me, Wait));
            }
            catch (ClusterFolderInUseException ex)
            {
                var join = ex.Owner is { PrimarySiloEndpoint: { } endpoint } && SiloClustering.Is(options.Clustering, SiloClustering.Localhost)
                    ? $"; to join it set {SiloHostOptionsValidator.Key(nameof(SiloHostOptions.PrimarySiloEndpoint))}={endpoint}"
                    : "";
                errors.Add($"{key} = {folder}: {ex.Message}{join}; or give this cluster another folder");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                errors.Add($"{key} = {folder}: cannot take the folder's lock file ({ex.Message})");
            }
        }

        return errors;
    }

    /// <summary>The absolute folder a setting names, or null when it is not set or not a path (its own validator says so).</summary>
    private static string? Folder(Func<string> read)
    {
        try
        {
            var value = read();
            return string.IsNullOrWhiteSpace(value) ? null : Path.GetFullPath(value);
        }
        catch (Exception ex) when (ex is OptionsValidationException or ArgumentException or NotSupportedException or PathTooLongException)
        {
            return null;
        }
    }
}
