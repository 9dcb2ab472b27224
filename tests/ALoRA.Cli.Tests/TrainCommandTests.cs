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
            data: {{RepositoryPaths.Sst2}}
            task: sst2
            seeds: [4]
            method: {{method}}
            training: {learning_rate: 5.0e-3, batch_size: 16, max_steps: 6, eval_every_steps: 3, checkpoint_every_steps: 3, max_sequence_length: 64, max_dev_examples: 32}
            """);
        return path;
    }

    [Fact]
    public void Train_ShortRun_ReportsResult_ExportsAdapter_AndCheckpoints()
    {
        var outDir = Path.Combine(_dir, "run");
        var (code, stdout, stderr) = AloraCli.Run(RepositoryPaths.Root, "train", Spec(RepositoryPaths.Stories260K), "--out", outDir, "--threads", "1");
        Assert.True(code == 0, stderr + stdout);
        Assert.Contains("training 6 steps", stdout);
        Assert.Matches(@"result: dev acc \d+\.\d %, test acc \d+\.\d %", stdout);
        Assert.True(File.Exists(Path.Combine(outDir, "adapter", "adapter_config.json")));
        Assert.Equal(["checkpoint-00000003", "checkpoint-00000006"],
            Directory.GetFileSystemEntries(Path.Combine(outDir, "checkpoints")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Train_RunAgainWithAFileOfTheNewestCheckpointDeleted_SetsItAside_AndResumesFromThePreviousOne()
    {
        // Issue 12: with one file of the latest checkpoint deleted, every attempt failed although the previous one was intact.
        var outDir = Path.Combine(_dir, "run");
        var checkpoints = Path.Combine(outDir, "checkpoints");
        var spec = Spec(RepositoryPaths.Stories260K);
        var first = AloraCli.Run(RepositoryPaths.Root, "train", spec, "--out", outDir, "--threads", "1");
        Assert.True(first.ExitCode == 0, first.ToString());
        File.Delete(Path.Combine(checkpoints, "checkpoint-00000006", "optimizer.safetensors"));

        var again = AloraCli.Run(RepositoryPaths.Root, "train", spec, "--out", outDir, "--threads", "1");

        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("warning: the checkpoint at step 6 cannot be resumed (", again.Stdout + again.Stderr, StringComparison.Ordinal);
        Assert.Contains("optimizer.safetensors: missing", again.Stdout + again.Stderr, StringComparison.Ordinal);
        Assert.Contains("resumed from the checkpoint at step 3 of 6", again.Stdout + again.Stderr, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(checkpoints, "damaged", "checkpoint-00000006", "reason.txt")));
        Assert.True(File.Exists(Path.Combine(checkpoints, "checkpoint-00000006", "optimizer.safetensors"))); // written again
    }

    [Fact]
    public void Train_RunAgainAfterRewindingToStep3_ResumesThere_KeepsTheLossHistory()
    {
        var outDir = Path.Combine(_dir, "run");
        var checkpoints = Path.Combine(outDir, "checkpoints");
        var spec = Spec(RepositoryPaths.Stories260K);
        var first = AloraCli.Run(RepositoryPaths.Root, "train", spec, "--out", outDir, "--threads", "1", "--format", "json");
        Assert.True(first.ExitCode == 0, first.ToString());
        var firstLosses = StepLosses(Path.Combine(checkpoints, "checkpoint-00000006"));
        Assert.Equal(6, firstLosses.Count);

        // Rewind: without the step-6 checkpoint the step-3 one (kept beside it) is the newest; a run from scratch would rewrite it.
        var step3 = Path.Combine(checkpoints, "checkpoint-00000003", "trainer_state.json");
        var step3Bytes = File.ReadAllBytes(step3);
        var step3Written = File.GetLastWriteTimeUtc(step3);
        Directory.Delete(Path.Combine(checkpoints, "checkpoint-00000006"), recursive: true);

        var again = AloraCli.Run(RepositoryPaths.Root, "train", spec, "--out", outDir, "--threads", "1", "--format", "json");

        Assert.True(again.ExitCode == 0, again.ToString());
        using var json = System.Text.Json.JsonDocument.Parse(again.Stdout);
        Assert.Equal("lora", json.RootElement.GetProperty("method").GetString());
        Assert.Equal(6, json.RootElement.GetProperty("steps").GetInt32());
        Assert.Equal(step3Bytes, File.ReadAllBytes(step3));
        Assert.Equal(step3Written, File.GetLastWriteTimeUtc(step3));
        var losses = StepLosses(Path.Combine(checkpoints, "checkpoint-00000006"));
        Assert.Equal(6, losses.Count);
        Assert.Equal(firstLosses.Take(3), losses.Take(3)); // carried from the step-3 checkpoint, not recomputed
        for (var i = 3; i < 6; i++)
        {
            // Steps 4-6 again from the restored weights, optimizer moments and data order: the same losses.
            Assert.Equal(firstLosses[i], losses[i], 4);
        }
    }

    /// <summary>The per-step training losses a checkpoint holds (<c>trainer_state.json</c>: <c>state.step_losses</c>).</summary>
    private static List<double> StepLosses(string checkpoint)
    {
        using var manifest = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(checkpoint, "trainer_state.json")));
        var state = manifest.RootElement.GetProperty("state");
        Assert.Equal(6, state.GetProperty("step").GetInt32());
        return [.. state.GetProperty("step_losses").EnumerateArray().Select(l => l.GetDouble())];
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
            File.Copy(Path.Combine(RepositoryPaths.Stories260K, f), Path.Combine(model, f));
        }

        var bytes = File.ReadAllBytes(Path.Combine(RepositoryPaths.Stories260K, "model.safetensors"));
        File.WriteAllBytes(Path.Combine(model, "model.safetensors"), bytes[..1000]);
        var (code, _, stderr) = AloraCli.Run(RepositoryPaths.Root, "train", Spec(model), "--out", Path.Combine(_dir, "x"));
        Assert.Equal(2, code);
        Assert.Contains("model.safetensors", stderr);
    }
}
