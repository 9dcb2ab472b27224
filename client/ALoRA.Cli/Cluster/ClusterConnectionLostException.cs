namespace ALoRA.Cli.Cluster;

/// <summary>The connection to the cluster broke during a call (e.g. its silo is restarting); reconnecting may help.</summary>
/// <param name="message">What was lost.</param>
/// <param name="inner">The transport's exception.</param>
internal sealed class ClusterConnectionLostException(string message, Exception? inner = null) : Exception(message, inner);
