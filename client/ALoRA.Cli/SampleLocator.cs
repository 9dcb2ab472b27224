namespace ALoRA.Cli;

/// <summary>Finds the repository's <c>samples/</c> folder from the working directory or the tool's location.</summary>
public static class SampleLocator
{
    /// <summary>The first <c>samples</c> folder found walking up from the working directory, then from the app's base.</summary>
    public static string? FindSamples()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "samples");
                if (Directory.Exists(Path.Combine(candidate, "models")))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
