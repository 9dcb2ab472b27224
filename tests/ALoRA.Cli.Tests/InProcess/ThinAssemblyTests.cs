using System.Diagnostics;
using System.Text.Json;
using ALoRA.Cli.Hosting;

namespace ALoRA.Cli.Tests.InProcess;

/// <summary>The thin <c>alora</c> assembly carries neither the engine nor the grains, and its cluster commands run without them.</summary>
public sealed class ThinAssemblyTests : IDisposable
{
    private static readonly string[] Heavy = ["TorchSharp", "ALoRA.Engine", "ALoRA.Grains", "ALoRA.Cli.Local", "Tokenizers.DotNet", "StackExchange.Redis"];

    private readonly string _dir = Directory.CreateTempSubdirectory("alora-thin-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void AloraAssembly_ReferencesNoEngineGrainsOrTorch()
    {
        var references = typeof(CliApp).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.Contains("ALoRA.Abstractions", references);
        Assert.DoesNotContain(references, r => Heavy.Any(h => r.StartsWith(h, StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public void AloraDepsJson_ListsNoEngineGrainsOrTorch()
    {
        var libraries = DepsLibraries(Path.Combine(AppContext.BaseDirectory, "alora.deps.json"));

        Assert.Contains(libraries, l => l.StartsWith("ALoRA.Sweeps/", StringComparison.Ordinal));
        Assert.DoesNotContain(libraries, l => Heavy.Any(h => l.StartsWith(h, StringComparison.OrdinalIgnoreCase)));
    }

    /// <summary>
    /// The built <c>alora</c> with only the files its deps.json lists (no TorchSharp, engine, grains or local runtime
    /// anywhere near it): help, plan and a status that reaches no gateway run and end with their documented codes;
    /// train says what is missing (exit code 3).
    /// </summary>
    [Fact]
    public void BuiltAlora_WithoutTheLocalRuntimeOrTorch_RunsTheClusterCommands()
    {
        var source = AppContext.BaseDirectory;
        foreach (var file in DepsFiles(Path.Combine(source, "alora.deps.json")).Append("alora.dll").Append("alora.deps.json").Append("alora.runtimeconfig.json"))
        {
            var target = Path.Combine(_dir, file);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(Path.Combine(source, file), target, overwrite: true);
        }

        Assert.DoesNotContain(
            Directory.EnumerateFiles(_dir, "*", SearchOption.AllDirectories),
            f => Heavy.Any(h => Path.GetFileName(f).Contains(h, StringComparison.OrdinalIgnoreCase)) || f.Contains("torch", StringComparison.OrdinalIgnoreCase));

        Assert.Equal(0, Run("--help").Code);
        var plan = Run("plan", Path.Combine(RepositoryPaths.Root, "samples", "sweeps", "demo.yaml"), "--format", "json");
        Assert.True(plan.Code == 0, plan.Stderr);
        Assert.Equal(5, JsonDocument.Parse(plan.Stdout).RootElement.GetProperty("layers").GetInt32());
        var status = Run("status", "--gateway", "127.0.0.1:9", "--connect-timeout", "1");
        Assert.True(status.Code == 5, status.Stderr);
        Assert.Contains("no ALoRA cluster answered at 127.0.0.1:9", status.Stderr, StringComparison.Ordinal);
        var train = Run("train", Path.Combine(RepositoryPaths.Root, "samples", "sweeps", "demo.yaml"));
        Assert.True(train.Code == 3, train.Stderr);
        Assert.Contains("needs ALoRA.Cli.Local.dll", train.Stderr, StringComparison.Ordinal);
    }

    private (int Code, string Stdout, string Stderr) Run(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = _dir, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(_dir, "alora.dll"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"alora {string.Join(' ', args)} did not finish in 2 minutes");
        }

        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    private static List<string> DepsLibraries(string path)
    {
        using var deps = JsonDocument.Parse(File.ReadAllText(path));
        return deps.RootElement.GetProperty("libraries").EnumerateObject().Select(l => l.Name).ToList();
    }

    /// <summary>The runtime and native files the deps.json of <c>alora</c> lists, as paths relative to its folder.</summary>
    private static List<string> DepsFiles(string path)
    {
        using var deps = JsonDocument.Parse(File.ReadAllText(path));
        return deps.RootElement.GetProperty("targets").EnumerateObject().First().Value.EnumerateObject()
            .SelectMany(l => new[] { "runtime", "native", "runtimeTargets" }
                .Where(k => l.Value.TryGetProperty(k, out _))
                .SelectMany(k => l.Value.GetProperty(k).EnumerateObject().Select(f => f.Name)))
            .Select(f => f.StartsWith("runtimes/", StringComparison.Ordinal) ? f : Path.GetFileName(f))
            .Where(f => File.Exists(Path.Combine(AppContext.BaseDirectory, f)))
            .Distinct()
            .ToList();
    }
}
