namespace ALoRA.Cli.Tests;

/// <summary><c>alora train</c> as a real process: one trial from a spec, no cluster.</summary>
public sealed class TrainCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("alora-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Spec(string model, string method = "lora")
    {
        var path = Path.Combine(_dir, "trial.yaml");
        File.WriteAllText(path, $$"""
            model: {{model}}
            data: {{Path.Combine(RepositoryPaths.Root, "samples", "data", "sst2")}}
            task: sst2
            seeds: [4]
            method: {{method}}
            training: {learning_rate: 5.0e-3, batch_size: 16, max_steps: 6, eval_every_steps: 3, checkpoint_every_steps: 3, max_sequence_length: 64, max_dev_examples: 32}
            """);
        return path;
    }

    [Fact]
    public void Train_ShortRun_ReportsResult_ExportsAdapter_AndResumesWhenRunAgain()
    {
        var outDir = Path.Combine(_dir, "run");
        var spec = Spec(Path.Combine(RepositoryPaths.Root, "samples", "models", "stories260K"));
        var (code, stdout, stderr) = AloraCli.Run(RepositoryPaths.Root, "train", spec, "--out", outDir, "--threads", "1");
        Assert.True(code == 0, stderr + stdout);
        Assert.Contains("training 6 steps", stdout);
        Assert.Matches(@"result: dev acc \d+\.\d %, test acc \d+\.\d %", stdout);
        Assert.True(File.Exists(Path.Combine(outDir, "adapter", "adapter_config.json")));
        Assert.True(File.Exists(Path.Combine(outDir, "checkpoints", "latest")));

        var again = AloraCli.Run(RepositoryPaths.Root, "train", spec, "--out", outDir, "--threads", "1", "--format", "json");
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Contains("resumed from the checkpoint at step 6", again.Stderr);
        using var json = System.Text.Json.JsonDocument.Parse(again.Stdout);
        Assert.Equal("lora", json.RootElement.GetProperty("method").GetString());
        Assert.Equal(6, json.RootElement.GetProperty("steps").GetInt32());
    }

    [Fact]
    public void Train_MissingModelFolder_ExitCode2NamesPathAndField()
    {
        var missing = Path.Combine(_dir, "no-such-model");
        var (code, _, stderr) = AloraCli.Run(RepositoryPaths.Root, "train", Spec(missing));
        Assert.Equal(2, code);
        Assert.Contains(missing, stderr);
        Assert.Contains("model", stderr);
    }

    [Fact]
    public void Train_CorruptWeights_ExitCode2NamesFile()
    {
        var model = Path.Combine(_dir, "model");
        Directory.CreateDirectory(model);
        foreach (var f in new[] { "config.json", "tokenizer.json" })
        {
            File.Copy(Path.Combine(RepositoryPaths.Root, "samples", "models", "stories260K", f), Path.Combine(model, f));
        }

        var bytes = File.ReadAllBytes(Path.Combine(RepositoryPaths.Root, "samples", "models", "stories260K", "model.safetensors"));
        File.WriteAllBytes(Path.Combine(model, "model.safetensors"), bytes[..1000]);
        var (code, _, stderr) = AloraCli.Run(RepositoryPaths.Root, "train", Spec(model), "--out", Path.Combine(_dir, "x"));
        Assert.Equal(2, code);
        Assert.Contains("model.safetensors", stderr);
    }
}
