namespace ALoRA.Cli.Local;

/// <summary>Gives the commands the local runtime, loading it on first use.</summary>
internal interface ILocalRuntimeProvider
{
    /// <summary>The runtime (loaded now if it was not).</summary>
    /// <exception cref="LocalRuntimeUnavailableException">ALoRA.Cli.Local is not next to <c>alora</c> or does not load.</exception>
    ILocalRuntime Runtime { get; }

    /// <summary>The runtime if it has been loaded, else null (never loads it).</summary>
    ILocalRuntime? Loaded { get; }
}
