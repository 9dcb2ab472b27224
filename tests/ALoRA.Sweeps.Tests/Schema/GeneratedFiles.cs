namespace ALoRA.Sweeps.Tests.Schema;

/// <summary>Committed files generated from the settings schema: compared, or rewritten when ALORA_UPDATE_SCHEMA=1.</summary>
internal static class GeneratedFiles
{
    public const string UpdateVariable = "ALORA_UPDATE_SCHEMA";

    /// <summary>Fails when <paramref name="relativePath"/> differs from <paramref name="expected"/>, saying how to update it.</summary>
    public static void AssertCurrent(string relativePath, string expected)
    {
        var path = Path.Combine(RepositoryPaths.Root, relativePath);
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            File.WriteAllText(path, expected);
        }

        var committed = File.Exists(path) ? File.ReadAllText(path).ReplaceLineEndings("\n") : "";
        if (committed != expected)
        {
            var line = committed.Split('\n').Zip(expected.Split('\n')).TakeWhile(p => p.First == p.Second).Count() + 1;
            Assert.Fail($"{relativePath} is not what src/ALoRA.Sweeps/SpecSchema.cs generates (first difference at line {line}). " +
                        $"Update it with: {UpdateVariable}=1 dotnet test tests/ALoRA.Sweeps.Tests --filter \"FullyQualifiedName~Schema\"");
        }
    }
}
