using System.Text.Json;

namespace ALoRA.Cli.Tests;

/// <summary>
/// Issue 5, scenario 5: command parsing and JSON output of the real <c>alora</c> program, with no cluster: <c>plan</c>
/// field by field, <c>--help</c>, and bad input to <c>submit</c> and <c>plan</c>.
/// </summary>
public sealed class PlanAndHelpTests : IDisposable
{
    private static readonly string[] Commands =
        ["submit", "watch", "status", "results", "show", "export", "cancel", "cluster", "plan", "train", "doctor", "demo", "score"];

    private readonly string _dir = Directory.CreateTempSubdirectory("alora-cli-plan-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Plan_DemoSpec_Json_SixTrialsWithBudgetsAndScoringCosts()
    {
        var (code, stdout, stderr) = AloraCli.Run(RepositoryPaths.Root, "plan", "samples/sweeps/demo.yaml", "--format", "json");

        Assert.True(code == 0, stderr + stdout);
        using var json = JsonDocument.Parse(stdout); // only JSON on stdout
        var plan = json.RootElement;
        Assert.Equal("demo-sst2", plan.GetProperty("sweep_id").GetString());
        Assert.Equal("LoRA vs ALoRA on SST-2 (stories260K)", plan.GetProperty("name").GetString());
        Assert.Equal("test_accuracy", plan.GetProperty("metric").GetString());
        Assert.Equal("max", plan.GetProperty("mode").GetString());
        Assert.Equal(2, plan.GetProperty("max_concurrent_trials").GetInt32());
        Assert.Equal(0, plan.GetProperty("duplicates").GetInt32());
        Assert.Equal(5, plan.GetProperty("layers").GetInt32());

        var trials = plan.GetProperty("trials").EnumerateArray().ToList();
        Assert.Equal(6, trials.Count);
        // Grid over the method, seeds innermost.
        Assert.Equal(["lora", "lora", "lora", "alora", "alora", "alora"], trials.Select(t => t.GetProperty("method").GetString()));
        Assert.Equal([1L, 2, 3, 1, 2, 3], trials.Select(t => t.GetProperty("seed").GetInt64()));
        Assert.Equal(Enumerable.Range(0, 6), trials.Select(t => t.GetProperty("index").GetInt32()));
        Assert.Equal(6, trials.Select(t => t.GetProperty("trial_id").GetString()).Distinct().Count());

        foreach (var t in trials)
        {
            var method = t.GetProperty("method").GetString()!;
            var resolved = t.GetProperty("resolved");
            var trialId = t.GetProperty("trial_id").GetString()!;
            Assert.Matches("^demo-sst2-[0-9a-f]{12}$", trialId);
            Assert.Equal($"demo-sst2-{resolved.GetProperty("config_hash").GetString()}", trialId);
            Assert.Equal(trialId, resolved.GetProperty("trial_id").GetString());
            Assert.Equal("demo-sst2", resolved.GetProperty("sweep_id").GetString());
            Assert.Equal(t.GetProperty("index").GetInt32(), resolved.GetProperty("index").GetInt32());
            Assert.Equal(t.GetProperty("seed").GetInt64(), resolved.GetProperty("training").GetProperty("seed").GetInt64());

            // r 8 on all seven module types of five layers: 8 x 7 x 5 = 280 ranks.
            Assert.Equal(280, t.GetProperty("budget_ranks").GetInt32());
            Assert.Equal(method, t.GetProperty("search_values").GetProperty("method").GetString());
            Assert.Equal(Path.Combine(RepositoryPaths.Root, "samples", "models", "stories260K"), resolved.GetProperty("model").GetString());
            Assert.Equal(Path.Combine(RepositoryPaths.Root, "samples", "data", "sst2"), resolved.GetProperty("data").GetString());
            Assert.Equal("sst2", resolved.GetProperty("task").GetString());
            Assert.Equal(8, resolved.GetProperty("lora").GetProperty("r").GetInt32());
            Assert.Equal(16, resolved.GetProperty("lora").GetProperty("lora_alpha").GetDouble());
            Assert.Equal(7, resolved.GetProperty("lora").GetProperty("target_modules").GetArrayLength());
            var training = resolved.GetProperty("training");
            Assert.Equal(0.005, training.GetProperty("learning_rate").GetDouble());
            Assert.Equal(64, training.GetProperty("batch_size").GetInt32());
            Assert.Equal(300, training.GetProperty("max_steps").GetInt32());
            Assert.Equal(100, training.GetProperty("eval_every_steps").GetInt32());
            Assert.Equal(200, training.GetProperty("max_dev_examples").GetInt32());

            if (method == "alora")
            {
                Assert.Equal(4, t.GetProperty("rounds").GetInt32());
                Assert.Equal(1 + (2 * 280), t.GetProperty("reference_forwards_per_round").GetInt32()); // 1 + 2R
                Assert.Equal(2 + (280 * 6.0 / 5), t.GetProperty("fast_forwards_per_round").GetDouble(), 6); // 2 + R(L + 1)/L
                var allocation = resolved.GetProperty("allocation");
                Assert.Equal("100steps", allocation.GetProperty("k1").GetString());
                Assert.Equal("25steps", allocation.GetProperty("k2").GetString());
                Assert.Equal(4, allocation.GetProperty("rounds").GetInt32());
                Assert.Equal(7, allocation.GetProperty("ranks_per_round").GetInt32()); // null resolves to the module types
                Assert.Equal(32, allocation.GetProperty("val_batch_size").GetInt32());
                Assert.Equal("fast", allocation.GetProperty("scorer").GetString());
            }
            else
            {
                Assert.Equal(0, t.GetProperty("rounds").GetInt32());
                Assert.Equal(JsonValueKind.Null, t.GetProperty("reference_forwards_per_round").ValueKind);
                Assert.Equal(JsonValueKind.Null, t.GetProperty("fast_forwards_per_round").ValueKind);
                Assert.Equal(JsonValueKind.Null, resolved.GetProperty("allocation").ValueKind);
            }
        }
    }

    [Fact]
    public void Plan_Table_OneLinePerTrial()
    {
        var (code, stdout, stderr) = AloraCli.Run(RepositoryPaths.Root, "plan", "samples/sweeps/demo.yaml");

        Assert.True(code == 0, stderr + stdout);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("sweep demo-sst2: 6 trials (0 duplicates collapsed), at most 2 at once; metric test_accuracy (max); model has 5 layers", lines[0]);
        Assert.Equal(6, lines.Count(l => l.Contains("demo-sst2-", StringComparison.Ordinal)));
        Assert.Equal(3, lines.Count(l => l.Contains(" alora ", StringComparison.Ordinal) && l.Contains(" 561 ", StringComparison.Ordinal) && l.Contains(" 338 ", StringComparison.Ordinal)));
    }

    [Fact]
    public void Help_ListsEveryCommandAndTheConnectionOptions()
    {
        var (code, stdout, stderr) = AloraCli.Run(RepositoryPaths.Root, "--help");

        Assert.True(code == 0, stderr + stdout);
        var commands = stdout[stdout.IndexOf("Commands:", StringComparison.Ordinal)..].Split('\n')
            .Skip(1).Where(l => l.StartsWith("  ", StringComparison.Ordinal)).Select(l => l.Trim().Split(' ')[0]).ToList();
        Assert.Equal(Commands, commands);
        foreach (var option in new[] { "--gateway", "--local", "--data-dir", "--connect-timeout" })
        {
            Assert.Contains(option, stdout, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("submit")]
    [InlineData("watch")]
    [InlineData("status")]
    [InlineData("results")]
    [InlineData("show")]
    [InlineData("export")]
    [InlineData("cancel")]
    [InlineData("cluster")]
    [InlineData("plan")]
    public void Help_OfACommand_ShowsItsUsageAndTheRecursiveGatewayOption(string command)
    {
        var (code, stdout, stderr) = AloraCli.Run(RepositoryPaths.Root, command, "--help");

        Assert.True(code == 0, stderr + stdout);
        Assert.Contains($"alora {command}", stdout, StringComparison.Ordinal);
        Assert.Contains("--gateway", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Submit_MissingSpecFile_ExitCode2_NamesTheFile_BeforeConnecting()
    {
        var missing = Path.Combine(_dir, "no-such-spec.yaml");

        // A gateway where nothing listens: the file is checked first, so this is exit code 2, not 5.
        var (code, stdout, stderr) = AloraCli.Run(_dir, "submit", missing, "--gateway", "127.0.0.1:9", "--connect-timeout", "1");

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains(missing, stderr, StringComparison.Ordinal);
        Assert.Contains("not found", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_UnknownKey_ExitCode2_NamesThePathLineAndFile()
    {
        var spec = Path.Combine(_dir, "bad.yaml");
        File.WriteAllText(spec, $"""
            model: {Path.Combine(RepositoryPaths.Root, "samples", "models", "stories260K")}
            data: {Path.Combine(RepositoryPaths.Root, "samples", "data", "sst2")}
            task: sst2
            lora: {"{"}r: 4, alpah: 8{"}"}
            """);

        var (code, stdout, stderr) = AloraCli.Run(_dir, "plan", spec, "--format", "json");

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains("lora.alpah", stderr, StringComparison.Ordinal);
        Assert.Contains("line 4", stderr, StringComparison.Ordinal);
        Assert.Contains(spec, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Gateway_WithoutPort_ExitCode2()
    {
        var (code, stdout, stderr) = AloraCli.Run(_dir, "status", "--gateway", "localhost");

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains("--gateway must be HOST:PORT, got 'localhost'", stderr, StringComparison.Ordinal);
    }
}
