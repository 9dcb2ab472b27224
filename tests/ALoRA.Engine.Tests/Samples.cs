using ALoRA.Engine.Runtime;

namespace ALoRA.Engine.Tests;

/// <summary>Loads torch once for the engine tests (the sample paths are <see cref="RepositoryPaths"/>).</summary>
internal static class Samples
{
    static Samples()
    {
        // Tests fail loudly (TorchUnavailableException names the cause and the fix) when torch cannot load.
        TorchRuntime.EnsureInitialized(threads: 2);
    }

    /// <summary>Call first in any test that touches torch.</summary>
    public static void EnsureTorch()
    {
        // The static constructor does the work.
    }
}
