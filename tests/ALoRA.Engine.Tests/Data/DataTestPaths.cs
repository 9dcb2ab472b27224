namespace ALoRA.Engine.Tests.Data;

/// <summary>Locations of the shipped sample fixtures and scratch files for the data tests.</summary>
internal static class DataTestPaths
{
    public static string Sst2Dir => RepositoryPaths.Sst2;

    public static string TokenizerDir => RepositoryPaths.Stories260K;

    public static string TokenizerJson => Path.Combine(TokenizerDir, "tokenizer.json");

    /// <summary>Creates a fresh empty directory under the system temp folder.</summary>
    public static string NewTempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "alora-tests", $"data-{Guid.NewGuid():N}");
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
