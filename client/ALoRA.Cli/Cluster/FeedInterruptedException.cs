namespace ALoRA.Cli.Cluster;

/// <summary>
/// A sweep's feed stream broke while the connection stayed (the coordinator was deactivated or moved to another silo):
/// reopen it from the last event seen.
/// </summary>
internal sealed class FeedInterruptedException(string message, Exception inner) : Exception(message, inner);
