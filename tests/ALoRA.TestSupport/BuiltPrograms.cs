using System.Reflection;

namespace ALoRA.TestSupport;

/// <summary>Where the two programs under test, <c>alora-silo</c> and <c>alora</c>, were built.</summary>
public static class BuiltPrograms
{
    /// <summary><c>alora-silo.dll</c> (override: <c>ALORA_SILO_DLL</c>).</summary>
    public static string SiloDll { get; } = Locate("ALoRA.Silo", Path.Combine("silo", "ALoRA.Silo"), "alora-silo.dll", "ALORA_SILO_DLL");

    /// <summary><c>alora.dll</c> (override: <c>ALORA_CLI_DLL</c>).</summary>
    public static string CliDll { get; } = Locate("ALoRA.Cli", Path.Combine("client", "ALoRA.Cli"), "alora.dll", "ALORA_CLI_DLL");

    /// <summary>
    /// The program's own build output (its deps.json and runtimeconfig.json describe exactly it), in the
    /// <c>--artifacts-path</c> layout or the normal one, else the copy the project reference puts next to the tests.
    /// </summary>
    private static string Locate(string project, string projectFolder, string dll, string variable)
    {
        var tests = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } overridden)
        {
            candidates.Add(overridden);
        }

        // --artifacts-path: <artifacts>/bin/<test project>/<pivot>/ next to <artifacts>/bin/<project>/<pivot>/.
        var bin = $"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}";
        var at = tests.LastIndexOf(bin, StringComparison.Ordinal);
        if (at >= 0 && tests.IndexOf(Path.DirectorySeparatorChar, at + bin.Length) is var slash and > 0)
        {
            candidates.Add(Path.Combine(tests[..at], "bin", project, tests[(slash + 1)..], dll));
        }

        // Plain build: <project folder>/bin/<Configuration>/<tfm>/, the configuration and framework of the tests.
        var configuration = typeof(BuiltPrograms).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        candidates.Add(Path.Combine(RepositoryPaths.Root, projectFolder, "bin", configuration, Path.GetFileName(tests), dll));
        candidates.Add(Path.Combine(tests, dll));

        return candidates.FirstOrDefault(c => File.Exists(c) && File.Exists(Path.ChangeExtension(c, ".runtimeconfig.json")))
            ?? throw new FileNotFoundException($"{dll} not built; looked at: {string.Join(", ", candidates)}");
    }
}
