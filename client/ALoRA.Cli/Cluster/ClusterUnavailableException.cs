namespace ALoRA.Cli.Cluster;

/// <summary>No cluster could be reached; the message says where it looked and what to do.</summary>
internal sealed class ClusterUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
