using System.Reflection;
using ALoRA.Engine.Runtime;

namespace ALoRA.Engine.Tests;

/// <summary>Paths of the shipped samples, found from the repository root recorded at build time.</summary>
internal static class Samples
{
    static Samples()
    {
        // Tests fail loudly (TorchUnavailableException names the cause and the fix) when torch cannot load.
        TorchRuntime.EnsureInitialized(threads: 2);
    }

    public static string RepositoryRoot { get; } =
        typeof(Samples).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    public static string Stories260K => Path.Combine(RepositoryRoot, "samples", "models", "stories260K");

    public static string Sst2 => Path.Combine(RepositoryRoot, "samples", "data", "sst2");

    /// <summary>Call first in any test that touches torch.</summary>
    public static void EnsureTorch() => _ = RepositoryRoot;
}
