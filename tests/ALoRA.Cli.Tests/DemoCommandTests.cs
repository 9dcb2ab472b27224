namespace ALoRA.Cli.Tests;

/// <summary>Runs the real <c>alora</c> program as a separate process.</summary>
public sealed class DemoCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("alora-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Demo_ShortRun_TrainsReportsAccuracyAndResumesFromCheckpoint()
    {
        var outDir = Path.Combine(_dir, "run");
        var (code, stdout, stderr) = AloraProcess.Run(AloraProcess.RepositoryRoot, "demo", "--steps", "6", "--eval-every", "3", "--batch-size", "16", "--threads", "1", "--out", outDir);
        Assert.True(code == 0, stderr + stdout);
        Assert.Contains("LoRA r=8 on 35 modules", stdout);
        Assert.Contains("train 66349, dev 1000, test 872", stdout);
        Assert.Matches(@"test loss \d+\.\d+  accuracy \d+\.\d %", stdout);
        Assert.Matches(@"\d+ tokens/s training", stdout);
        Assert.True(File.Exists(Path.Combine(outDir, "checkpoints", "latest")));

        // Same configuration again: resumes at the end and reports without retraining.
        var again = AloraProcess.Run(AloraProcess.RepositoryRoot, "demo", "--steps", "6", "--eval-every", "3", "--batch-size", "16", "--threads", "1", "--out", outDir);
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("(step 6)", again.Stdout);
        Assert.DoesNotContain("step        1/6", again.Stdout);
    }

    [Fact]
    public void Demo_MissingModelFolder_ExitCode2NamesPath()
    {
        var missing = Path.Combine(_dir, "no-such-model");
        var (code, _, stderr) = AloraProcess.Run(AloraProcess.RepositoryRoot, "demo", "--model", missing, "--out", Path.Combine(_dir, "x"));
        Assert.Equal(2, code);
        Assert.Contains(missing, stderr);
    }

    [Fact]
    public void Demo_CorruptWeights_ExitCode2NamesFile()
    {
        var model = Path.Combine(_dir, "model");
        Directory.CreateDirectory(model);
        foreach (var f in new[] { "config.json", "tokenizer.json" })
        {
            File.Copy(Path.Combine(AloraProcess.RepositoryRoot, "samples", "models", "stories260K", f), Path.Combine(model, f));
        }

        var bytes = File.ReadAllBytes(Path.Combine(AloraProcess.RepositoryRoot, "samples", "models", "stories260K", "model.safetensors"));
        File.WriteAllBytes(Path.Combine(model, "model.safetensors"), bytes[..1000]);
        var (code, _, stderr) = AloraProcess.Run(AloraProcess.RepositoryRoot, "demo", "--model", model, "--out", Path.Combine(_dir, "x"));
        Assert.Equal(2, code);
        Assert.Contains("model.safetensors", stderr);
    }
}
