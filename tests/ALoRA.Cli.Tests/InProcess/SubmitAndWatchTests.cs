using System.Text.Json;
using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Trials;
using static ALoRA.Cli.Tests.InProcess.Samples;

namespace ALoRA.Cli.Tests.InProcess;

public sealed class SubmitAndWatchTests : IDisposable
{
    private static readonly string DemoSpec = Path.Combine(RepositoryPaths.Root, "samples", "sweeps", "demo.yaml");

    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Submit_PrintsTheSweepId_AndSendsTheParsedSpecWithPathsAsWritten()
    {
        var code = await _cli.RunAsync("submit", DemoSpec, "--gateway", "example:1234");

        Assert.Equal(0, code);
        Assert.Equal("demo-sst2\n", _cli.Stdout.Replace("\r\n", "\n", StringComparison.Ordinal));
        Assert.Contains("on fake cluster", _cli.Stderr, StringComparison.Ordinal);
        var (sweepId, definition) = Assert.Single(_cli.Cluster.Submitted);
        Assert.Equal("demo-sst2", sweepId);
        // The silo resolves the paths, so they travel as the YAML has them (independent read of the file).
        var yaml = File.ReadAllLines(DemoSpec);
        Assert.Contains($"model: {definition.Model}", yaml);
        Assert.Contains($"data: {definition.Data}", yaml);
        Assert.StartsWith("../", definition.Model, StringComparison.Ordinal);
        Assert.Equal([1L, 2L, 3L], definition.Seeds);
        Assert.Equal("example:1234", _cli.Connector.LastSettings!.Gateway);
    }

    [Fact]
    public async Task Submit_Json_IsTheSubmissionDocument()
    {
        var code = await _cli.RunAsync("submit", DemoSpec, "--format", "json");

        Assert.Equal(0, code);
        var json = _cli.Json();
        Assert.Equal("demo-sst2", json.GetProperty("sweep_id").GetString());
        Assert.Equal(1, json.GetProperty("duplicates").GetInt32());
        Assert.Equal("", _cli.Stderr);
    }

    [Fact]
    public async Task Submit_TheClusterReportsAVersionConflict_ExitCode1_WithAMessageNotAStackTrace()
    {
        // What a client of one of two clusters sharing a storage folder got (issue 12): an unhandled InconsistentStateException.
        _cli.Cluster.SubmitFailure = new Orleans.Storage.InconsistentStateException("Version conflict (WriteState): ETag mismatch", "a", "b");

        var code = await _cli.RunAsync("submit", DemoSpec);

        Assert.Equal(1, code);
        Assert.Contains("error: the cluster's stored state was changed by another writer while it was being written (is a second cluster using the same storage folder or Redis?); try again. Version conflict (WriteState): ETag mismatch", _cli.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", _cli.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_MissingSpec_ExitCode2_WithoutConnecting()
    {
        var code = await _cli.RunAsync("submit", Path.Combine(RepositoryPaths.Root, "no-such.yaml"));

        Assert.Equal(2, code);
        Assert.Equal(0, _cli.Connector.Connections);
        Assert.Contains("no-such.yaml: spec file not found", _cli.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubmitWatch_Json_StreamsTheAnswerEachEventAndTheFinalStatus_ExitCode4OnAFailedTrial()
    {
        var a = Trial("demo-sst2", 0, TrialState.Running);
        _cli.Cluster.With(
            Sweep("demo-sst2", SweepState.Running, a, Trial("demo-sst2", 1, TrialState.Queued)),
            Sweep("demo-sst2", SweepState.Completed, Trial("demo-sst2", 0, TrialState.Completed), Trial("demo-sst2", 1, TrialState.Failed)));
        _cli.Cluster.Events["demo-sst2"] = [Change(1, a), Step(2, a.TrialId, 30), Change(3, Trial("demo-sst2", 1, TrialState.Failed))];

        var code = await _cli.RunAsync("submit", DemoSpec, "--watch", "--format", "json");

        Assert.Equal(4, code);
        var stdout = _cli.Stdout.Replace("\r\n", "\n", StringComparison.Ordinal);
        var lines = stdout.Split('\n');
        Assert.Equal("demo-sst2", JsonDocument.Parse(lines[0]).RootElement.GetProperty("sweep_id").GetString());
        Assert.Equal([1, 2, 3], lines[1..4].Select(l => JsonDocument.Parse(l).RootElement.GetProperty("sequence").GetInt64()));
        Assert.Equal(30, JsonDocument.Parse(lines[2]).RootElement.GetProperty("progress").GetProperty("step").GetInt32());
        var final = JsonDocument.Parse(string.Join('\n', lines[4..])).RootElement;
        Assert.Equal("completed", final.GetProperty("state").GetString());
        Assert.Equal(["completed", "failed"], final.GetProperty("trials").EnumerateArray().Select(t => t.GetProperty("state").GetString()));
    }

    [Fact]
    public async Task Watch_Redirected_PrintsStateLinesAndTheEnd_AndReconnectsAfterALostConnection()
    {
        var running = Trial("w", 0, TrialState.Running);
        var done = Trial("w", 0, TrialState.Completed);
        _cli.Cluster.With(Sweep("w", SweepState.Completed, done));
        _cli.Cluster.Events["w"] = [Change(1, running), Change(2, done)];
        _cli.Cluster.LoseConnectionOnFeedOpens = 1;

        var code = await _cli.RunAsync("watch", "w", "--gateway", "example:1");

        Assert.Equal(0, code);
        Assert.Equal(2, _cli.Connector.Connections);
        var lines = _cli.Stdout.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n');
        Assert.Equal(
        [
            "connection lost (ClusterConnectionLostException); reconnecting to example:1",
            "reconnected; continuing",
            "started   w-000 (alora seed 40 learning_rate=0.001) on cpu:0 (attempt 1)",
            "completed w-000 (alora seed 40 learning_rate=0.001): dev acc 75.0 %, test acc 70.0 %, params 1000 -> 800",
            "sweep w completed: 0 queued, 0 running, 1 completed",
        ], lines.Where(l => !l.StartsWith('[')));
    }

    [Fact]
    public async Task Cancel_CancelsTheSweep_AndSaysSo()
    {
        var code = await _cli.RunAsync("cancel", "s9");

        Assert.Equal(0, code);
        Assert.Equal(["s9"], _cli.Cluster.Cancelled);
        Assert.Equal("sweep s9 cancelled\n", _cli.Stderr.Replace("\r\n", "\n", StringComparison.Ordinal));
        Assert.Equal("", _cli.Stdout);
    }
}
