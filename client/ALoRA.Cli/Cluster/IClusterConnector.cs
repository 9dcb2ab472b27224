using ALoRA.Cli.Connection;

namespace ALoRA.Cli.Cluster;

/// <summary>Opens a <see cref="ISweepCluster"/> as connection settings say (a gateway, or a silo in this process).</summary>
internal interface IClusterConnector
{
    /// <summary>Connects (or starts the local silo).</summary>
    /// <exception cref="ClusterUnavailableException">No gateway answered in time.</exception>
    Task<ISweepCluster> ConnectAsync(ConnectionSettings settings, CancellationToken cancellationToken);
}
