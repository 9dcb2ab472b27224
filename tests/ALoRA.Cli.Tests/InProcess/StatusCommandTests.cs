using ALoRA.Abstractions.Cluster;
using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Trials;
using static ALoRA.Cli.Tests.InProcess.Samples;

namespace ALoRA.Cli.Tests.InProcess;

public sealed class StatusCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Status_OfASweep_Json_IsItsStatusDocument()
    {
        _cli.Cluster.With(Sweep("s1", SweepState.Running, Trial("s1", 0, TrialState.Completed), Trial("s1", 1, TrialState.Running)));

        var code = await _cli.RunAsync("status", "s1", "--format", "json");

        Assert.Equal(0, code);
        var json = _cli.Json();
        Assert.Equal("s1", json.GetProperty("sweep_id").GetString());
        Assert.Equal("running", json.GetProperty("state").GetString());
        var trials = json.GetProperty("trials").EnumerateArray().ToList();
        Assert.Equal(["completed", "running"], trials.Select(t => t.GetProperty("state").GetString()));
        Assert.Equal(0.7, trials[0].GetProperty("result").GetProperty("test_metric").GetDouble(), 12);
        Assert.Equal("", _cli.Stderr);
        Assert.Equal(1, _cli.Connector.Connections);
        Assert.True(_cli.Cluster.Disposed);
    }

    [Fact]
    public async Task Status_OfEverySweep_Json_CountsTrialsPerState()
    {
        _cli.Cluster.Cluster = new ClusterStatus { Sweeps = ["a", "b"] };
        _cli.Cluster.With(Sweep("a", SweepState.Running, Trial("a", 0, TrialState.Queued), Trial("a", 1, TrialState.Running), Trial("a", 2, TrialState.Failed)));
        _cli.Cluster.With(Sweep("b", SweepState.Completed, Trial("b", 0, TrialState.Completed)));

        var code = await _cli.RunAsync("status", "--format", "json");

        Assert.Equal(0, code);
        var sweeps = _cli.Json().EnumerateArray().ToDictionary(s => s.GetProperty("sweep_id").GetString()!);
        Assert.Equal((3, 1, 1, 0, 1), Counts(sweeps["a"]));
        Assert.Equal((1, 0, 0, 1, 0), Counts(sweeps["b"]));
        Assert.Equal("completed", sweeps["b"].GetProperty("state").GetString());

        static (int, int, int, int, int) Counts(System.Text.Json.JsonElement s) => (
            s.GetProperty("trials").GetInt32(), s.GetProperty("queued").GetInt32(), s.GetProperty("running").GetInt32(),
            s.GetProperty("completed").GetInt32(), s.GetProperty("failed").GetInt32());
    }

    [Fact]
    public async Task Status_OfEverySweep_OneUnreadableAndOneGone_TheOthersListed_NoStackTrace_Exit0()
    {
        _cli.Cluster.Cluster = new ClusterStatus { Sweeps = ["a", "broken", "gone", "b"] };
        _cli.Cluster.With(Sweep("a", SweepState.Running, Trial("a", 0, TrialState.Queued)));
        _cli.Cluster.With(new SweepStatus { SweepId = "broken", State = SweepState.Unreadable, Error = "state/sweep/sweepcoordinator/broken.json: not valid JSON" });
        _cli.Cluster.Missing.Add("gone");
        _cli.Cluster.With(Sweep("b", SweepState.Completed, Trial("b", 0, TrialState.Completed)));

        var code = await _cli.RunAsync("status");

        Assert.Equal(0, code);
        var lines = _cli.Stdout.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n');
        Assert.Equal(["a running", "broken unreadable", "gone unreadable", "b completed"], lines.Skip(1).Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(2))));
        Assert.Contains("(state/sweep/sweepcoordinator/broken.json: not valid JSON)", lines[2], StringComparison.Ordinal);
        Assert.Contains("(no sweep 'gone')", lines[3], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", _cli.Stdout + _cli.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_OfEverySweep_ACreatingSweep_SaysHowManyTrialsExist()
    {
        _cli.Cluster.Cluster = new ClusterStatus { Sweeps = ["big"] };
        _cli.Cluster.With(Sweep("big", SweepState.Creating, Trial("big", 0, TrialState.Queued), Trial("big", 1, TrialState.Queued)) with { Created = 1 });

        var code = await _cli.RunAsync("status");

        Assert.Equal(0, code);
        Assert.Contains("big                      creating        2", _cli.Stdout, StringComparison.Ordinal);
        Assert.Contains("(1 of 2 trials created so far)", _cli.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_Redirected_PrintsThePlainFixedColumnLines()
    {
        _cli.Cluster.Cluster = new ClusterStatus { Sweeps = ["sweep-a"] };
        _cli.Cluster.With(Sweep("sweep-a", SweepState.Running, Trial("sweep-a", 0, TrialState.Completed), Trial("sweep-a", 1, TrialState.Queued),
            Trial("sweep-a", 2, TrialState.Stopped), Trial("sweep-a", 3, TrialState.Stopped)));

        var code = await _cli.RunAsync("status");

        Assert.Equal(0, code);
        Assert.Equal(
            "SWEEP                    STATE      TRIALS QUEUED RUNNING  DONE STOPPED FAILED  SUBMITTED\n" +
            "sweep-a                  running         4      1       0     1       2      0  2026-03-04 05:06\n",
            _cli.Stdout.Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Status_OfASweep_Redirected_OneLinePerTrial()
    {
        _cli.Cluster.With(Sweep("s", SweepState.Running, Trial("s", 0, TrialState.Completed), Trial("s", 1, TrialState.Failed)));

        var code = await _cli.RunAsync("status", "s");

        Assert.Equal(0, code);
        var lines = _cli.Stdout.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n');
        Assert.Equal(
        [
            "sweep s (running), metric test_accuracy (max)",
            "  # TRIAL                          METHOD      SEED STATE            STEP    LOSS DEV LOSS ROUNDS   METRIC  PARAMETERS",
            "  0 s-000                          alora         40 completed       60/60   0.500    0.250      2   0.7000  method=alora training.learning_rate=0.001",
            "  1 s-001                          alora         41 failed           0/60   1.500               2           method=alora training.learning_rate=0.001  (out of memory)",
        ], lines);
    }

    [Fact]
    public async Task Status_OnAn80ColumnTerminal_ALongTrialIdWrapsInsideItsColumn()
    {
        using var terminal = new CliHarness(terminal: true, width: 80);
        var id = "t-" + string.Concat(Enumerable.Range(0, 118).Select(i => (char)('a' + (i % 26))));
        Assert.Equal(120, id.Length);
        terminal.Cluster.With(Sweep("s", SweepState.Running, Trial("s", 0, TrialState.Running, id)));

        var code = await terminal.RunAsync("status", "s");

        Assert.Equal(0, code);
        var lines = TerminalScreen.Replay(terminal.Stdout, 80).Where(l => l.Length > 0).ToList();
        Assert.Empty(Ansi.ColourCodes(terminal.Stdout)); // NO_COLOR: no colour codes
        Assert.All(Ansi.Strip(terminal.Stdout).Split('\n'), l => Assert.True(l.TrimEnd('\r').Length <= 80, l)); // wrapped by the table, not the terminal
        var header = lines.Single(l => l.Contains("TRIAL", StringComparison.Ordinal));
        var (from, to) = (header.IndexOf("TRIAL", StringComparison.Ordinal), header.IndexOf("METHOD", StringComparison.Ordinal));
        var rows = lines.SkipWhile(l => l != header).Skip(1).Where(l => l.Trim('─', ' ', '-').Length > 0).ToList();
        var column = string.Concat(rows.Select(l => l.Length > from ? l[from..Math.Min(to, l.Length)].Trim() : ""));
        Assert.Equal(id, column);
        Assert.Contains(rows, r => r.Contains("running", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Status_WithoutACluster_ExitCode5_WithTheConnectorsMessage()
    {
        _cli.Connector.Failure = new ALoRA.Cli.Cluster.ClusterUnavailableException("no ALoRA cluster answered at here:1");

        var code = await _cli.RunAsync("status");

        Assert.Equal(5, code);
        Assert.Equal("", _cli.Stdout);
        Assert.Equal("error: no ALoRA cluster answered at here:1\n", _cli.Stderr.Replace("\r\n", "\n", StringComparison.Ordinal));
    }
}
