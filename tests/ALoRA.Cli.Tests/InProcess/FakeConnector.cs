using ALoRA.Cli.Cluster;
using ALoRA.Cli.Connection;

namespace ALoRA.Cli.Tests.InProcess;

/// <summary>Hands out the same <see cref="FakeCluster"/> (or throws what it is told to) and counts the connections.</summary>
internal sealed class FakeConnector(FakeCluster cluster) : IClusterConnector
{
    private int _connections;

    /// <summary>Thrown by every connection attempt, when set.</summary>
    public Exception? Failure { get; set; }

    /// <summary>Connections made.</summary>
    public int Connections => _connections;

    /// <summary>The settings of the last connection.</summary>
    public ConnectionSettings? LastSettings { get; private set; }

    /// <inheritdoc />
    public Task<ISweepCluster> ConnectAsync(ConnectionSettings settings, CancellationToken cancellationToken)
    {
        LastSettings = settings;
        if (Failure is not null)
        {
            throw Failure;
        }

        Interlocked.Increment(ref _connections);
        return Task.FromResult<ISweepCluster>(cluster);
    }
}
