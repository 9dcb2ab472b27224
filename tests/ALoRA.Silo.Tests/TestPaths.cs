using System.Reflection;

namespace ALoRA.Silo.Tests;

/// <summary>Where the repository and the built silo are.</summary>
internal static class TestPaths
{
    public static string RepositoryRoot { get; } = typeof(TestPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!;
}
