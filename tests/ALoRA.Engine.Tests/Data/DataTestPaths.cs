using System.Reflection;

namespace ALoRA.Engine.Tests.Data;

/// <summary>Locations of the shipped sample fixtures and scratch files for the data tests.</summary>
internal static class DataTestPaths
{
    public static string RepositoryRoot { get; } =
        typeof(DataTestPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value
        ?? throw new InvalidOperationException("the test assembly lacks the RepositoryRoot metadata attribute");

    public static string Sst2Dir => Path.Combine(RepositoryRoot, "samples", "data", "sst2");

    public static string TokenizerDir => Path.Combine(RepositoryRoot, "samples", "models", "stories260K");

    public static string TokenizerJson => Path.Combine(TokenizerDir, "tokenizer.json");

    /// <summary>Creates a fresh empty directory under the system temp folder.</summary>
    public static string NewTempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "alora-data-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Writes <paramref name="lines"/> to a new file and returns its path.</summary>
    public static string WriteTempFile(string name, params string[] lines)
    {
        var path = Path.Combine(NewTempDir(), name);
        File.WriteAllLines(path, lines);
        return path;
    }
}
