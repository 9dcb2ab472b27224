namespace ALoRA.Cli.Local;

/// <summary>The local runtime (ALoRA.Cli.Local) is missing or does not load; the message says what to build.</summary>
/// <param name="message">What is missing.</param>
/// <param name="inner">The load failure, if any.</param>
internal sealed class LocalRuntimeUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
