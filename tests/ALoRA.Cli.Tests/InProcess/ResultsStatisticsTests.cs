using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Sweeps;
using ALoRA.Abstractions.Trials;
using static ALoRA.Cli.Tests.InProcess.Samples;

namespace ALoRA.Cli.Tests.InProcess;

/// <summary><c>alora results</c>'s paired comparisons and Pareto front, through the real command on a fake cluster.</summary>
public sealed class ResultsStatisticsTests : IDisposable
{
    private readonly CliHarness _cli = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("alora-cli-stats-").FullName;

    public void Dispose()
    {
        _cli.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Results_Text_PrintsTheComparisonAndTheParetoFront()
    {
        AddSweep(_cli);

        var code = await _cli.RunAsync("results", "st", "--out", _dir);

        Assert.Equal(0, code);
        var lines = _cli.Stdout.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var header = Array.FindIndex(lines, l => l.StartsWith("paired by seed and search draw: test_accuracy of B minus A", StringComparison.Ordinal));
        Assert.True(header >= 0, _cli.Stdout);
        Assert.Contains("10000 resamples, seed 20140", lines[header], StringComparison.Ordinal);
        Assert.Equal(
            "A           B           PAIRS  MEAN B-A        95% INTERVAL       P  TEST   LEFT OUT",
            lines[header + 1]);
        // Differences alora - lora at seeds 1..3: +0.02, +0.03, +0.04 (untied): W+ = 6, exact p = 2/8.
        Assert.Equal(
            "lora        alora           3   +0.0300  [+0.0200, +0.0400]  0.2500  exact  1: trial st-007 failed",
            lines[header + 2]);
        var front = Array.FindIndex(lines, l => l.StartsWith("Pareto front of test_accuracy (max) against trainable parameters: 2 of 7 trials", StringComparison.Ordinal));
        Assert.True(front > header, _cli.Stdout);
        Assert.Equal("   PARAMS  TEST_ACCURACY RANK  ARM         SEED TRIAL", lines[front + 1]);
        Assert.Equal("      600         0.7600    2  alora          3 st-005", lines[front + 2]);
        Assert.Equal("      800         0.7900    1  lora           4 st-006", lines[front + 3]);
        Assert.Equal(3, lines.Skip(front + 1).TakeWhile(l => l.Length > 0 && !l.StartsWith("wrote", StringComparison.Ordinal)).Count());
        Assert.True(File.Exists(Path.Combine(_dir, "comparisons.csv")));
    }

    [Fact]
    public async Task Results_Json_CarriesComparisonsAndFront()
    {
        AddSweep(_cli);

        var code = await _cli.RunAsync("results", "st", "--out", _dir, "--format", "json");

        Assert.Equal(0, code);
        var json = _cli.Json();
        Assert.Equal(["st-005", "st-006"], json.GetProperty("pareto_front").EnumerateArray().Select(e => e.GetString()));
        var first = json.GetProperty("comparisons")[0];
        Assert.Equal("test_accuracy", first.GetProperty("metric").GetString());
        Assert.Equal(3, first.GetProperty("pairs").GetInt32());
        Assert.Equal(0.25, first.GetProperty("wilcoxon_p").GetDouble(), 12);
        Assert.Equal(["trial st-007 failed"], first.GetProperty("left_out_reasons").EnumerateArray().Select(e => e.GetString()));
        var files = json.GetProperty("files").EnumerateArray().Select(f => f.GetString()!).ToList();
        Assert.Contains(Path.Combine(_dir, "comparisons.csv"), files);
        // The same numbers are in results.json.
        using var written = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "results.json")));
        Assert.Equal(0.25, written.RootElement.GetProperty("comparisons")[0].GetProperty("wilcoxon_p").GetDouble(), 12);
    }

    [Fact]
    public async Task Results_OnATerminal_DrawsBothTables()
    {
        using var terminal = new CliHarness(terminal: true, width: 120);
        AddSweep(terminal);

        var code = await terminal.RunAsync("results", "st", "--out", _dir);

        Assert.Equal(0, code);
        var lines = TerminalScreen.Replay(terminal.Stdout, 120).Where(l => l.Length > 0).ToList();
        var comparison = lines.Single(l => l.Contains("exact", StringComparison.Ordinal));
        Assert.Matches(@"^\s*lora\s+alora\s+3\s+\+0\.0300\s+\[\+0\.0200, \+0\.0400\]\s+0\.2500\s+exact\s+1: trial st-007 failed\s*$", comparison);
        var front = lines.FindIndex(l => l.StartsWith("Pareto front of test_accuracy", StringComparison.Ordinal));
        Assert.True(front > lines.IndexOf(comparison), string.Join('\n', lines));
        Assert.Contains(lines.Skip(front), l => l.Contains("st-005", StringComparison.Ordinal) && l.Contains("0.7600", StringComparison.Ordinal));
    }

    /// <summary>
    /// lora and alora at seeds 1..4 and the same learning rate; alora's seed 4 failed. Test accuracy: lora 0.70, 0.71,
    /// 0.72, 0.79 (800 parameters); alora 0.72, 0.74, 0.76 (600 parameters). Front: alora seed 3 and lora seed 4.
    /// </summary>
    private static void AddSweep(CliHarness cli)
    {
        double[] lora = [0.70, 0.71, 0.72, 0.79];
        double[] alora = [0.72, 0.74, 0.76];
        var trials = new List<TrialStatus>();
        for (var s = 0; s < 4; s++)
        {
            trials.Add(WithResult(Trial("st", 2 * s, TrialState.Completed, method: "lora"), s + 1, lora[s], 800));
            trials.Add(s < 3
                ? WithResult(Trial("st", (2 * s) + 1, TrialState.Completed, method: "alora"), s + 1, alora[s], 600)
                : Trial("st", (2 * s) + 1, TrialState.Failed, method: "alora") with { Seed = s + 1 });
        }

        cli.Cluster.With(Sweep("st", SweepState.Completed, [.. trials]));
        foreach (var t in trials)
        {
            cli.Cluster.Trials[t.TrialId] = new TrialDetails
            {
                Spec = new TrialSpec { SweepId = "st", TrialId = t.TrialId, Index = t.Index, Method = t.Method, Training = new TrainingSettings { Seed = t.Seed } },
                Status = t,
            };
        }
    }

    private static TrialStatus WithResult(TrialStatus trial, int seed, double accuracy, long parameters) =>
        trial with { Seed = seed, Result = trial.Result! with { TestMetric = accuracy, FinalTrainableParameters = parameters } };
}
