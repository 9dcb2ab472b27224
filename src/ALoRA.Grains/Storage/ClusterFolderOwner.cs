using System.Text.Json.Serialization;

namespace ALoRA.Grains.Storage;

/// <summary>
/// The cluster that uses a shared folder (the <c>file</c> grain storage, the checkpoint store), as recorded in the
/// folder's <c>cluster.json</c> and <c>cluster.lock</c> (docs/state-format.md): which cluster it is
/// (<see cref="Clustering"/>, <see cref="ServiceId"/>, <see cref="ClusterId"/> and, with <c>localhost</c> clustering,
/// its primary silo) and which silo process wrote the record.
/// </summary>
public sealed record ClusterFolderOwner
{
    /// <summary>Format version of the record.</summary>
    [JsonPropertyName("schema_version")]
    public int SchemaVersion { get; init; } = 1;

    /// <summary>Membership provider of the cluster (<c>localhost</c>, <c>redis</c>, <c>kubernetes</c>).</summary>
    [JsonPropertyName("clustering")]
    public string Clustering { get; init; } = "";

    /// <summary>Orleans service id.</summary>
    [JsonPropertyName("service_id")]
    public string ServiceId { get; init; } = "";

    /// <summary>Orleans cluster id.</summary>
    [JsonPropertyName("cluster_id")]
    public string ClusterId { get; init; } = "";

    /// <summary><c>localhost</c> clustering: the primary silo's silo endpoint (<c>ip:port</c>); null otherwise.</summary>
    [JsonPropertyName("primary_silo_endpoint")]
    public string? PrimarySiloEndpoint { get; init; }

    /// <summary>The machine of the primary silo when its endpoint is a loopback address (127.0.0.1 means a different silo on each machine); null otherwise.</summary>
    [JsonPropertyName("primary_host")]
    public string? PrimaryHost { get; init; }

    /// <summary>Name of the silo that wrote the record.</summary>
    [JsonPropertyName("silo_name")]
    public string SiloName { get; init; } = "";

    /// <summary>Machine of the silo that wrote the record.</summary>
    [JsonPropertyName("host")]
    public string Host { get; init; } = "";

    /// <summary>Process id of the silo that wrote the record.</summary>
    [JsonPropertyName("pid")]
    public int Pid { get; init; }

    /// <summary>When that silo process started.</summary>
    [JsonPropertyName("started_at")]
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>Whether <paramref name="other"/> names the same cluster (the process details do not matter).</summary>
    /// <param name="other">The other record.</param>
    public bool SameClusterAs(ClusterFolderOwner other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return string.Equals(Clustering, other.Clustering, StringComparison.OrdinalIgnoreCase)
               && string.Equals(ServiceId, other.ServiceId, StringComparison.Ordinal)
               && string.Equals(ClusterId, other.ClusterId, StringComparison.Ordinal)
               && string.Equals(PrimarySiloEndpoint, other.PrimarySiloEndpoint, StringComparison.Ordinal)
               && string.Equals(PrimaryHost, other.PrimaryHost, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The cluster in words: <c>cluster 'alora-dev' (service 'alora', localhost clustering, primary silo 127.0.0.1:11111 on host-a)</c>.</summary>
    public string DescribeCluster()
    {
        var primary = PrimarySiloEndpoint is null ? "" : $", primary silo {PrimarySiloEndpoint}{(PrimaryHost is null ? "" : $" on {PrimaryHost}")}";
        return $"cluster '{ClusterId}' (service '{ServiceId}', {Clustering} clustering{primary})";
    }

    /// <summary>The process that wrote the record: <c>silo 'node-a' (host host-a, pid 1234, started 2026-…)</c>.</summary>
    public string DescribeWriter() => $"silo '{SiloName}' (host {Host}, pid {Pid}, started {StartedAt:O})";
}
