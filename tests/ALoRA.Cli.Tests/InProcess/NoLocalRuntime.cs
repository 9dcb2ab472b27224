using ALoRA.Cli.Local;

namespace ALoRA.Cli.Tests.InProcess;

/// <summary>A local runtime provider for tests that must not load one: asking for it fails as a missing ALoRA.Cli.Local does.</summary>
internal sealed class NoLocalRuntime : ILocalRuntimeProvider
{
    /// <summary>Times the runtime was asked for.</summary>
    public int Requests { get; private set; }

    /// <inheritdoc />
    public ILocalRuntime Runtime
    {
        get
        {
            Requests++;
            throw new LocalRuntimeUnavailableException("no local runtime in this test");
        }
    }

    /// <inheritdoc />
    public ILocalRuntime? Loaded => null;
}
