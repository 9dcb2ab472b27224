using ALoRA.Abstractions.Cluster;
using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Trials;
using ALoRA.Cli.Watching;
using Spectre.Console;
using Spectre.Console.Testing;
using static ALoRA.Cli.Tests.InProcess.Samples;

namespace ALoRA.Cli.Tests.InProcess;

/// <summary>A trial stopped early by its sweep's scheduler (docs/sweep-spec.md, "scheduler") in <c>alora status</c> and <c>alora watch</c>.</summary>
public sealed class StoppedTrialStatusTests : IDisposable
{
    private const string Reason = "stopped at step 400: rung 2, below the top 1/3 (dev_loss 0.9; 2 of the 4 values recorded at rung 2 (step 600) are better, 2 continue)";

    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task StatusOfTheSweep_ShowsTheStateAndTheReason()
    {
        _cli.Cluster.With(Sweep("s1", SweepState.Completed, Trial("s1", 0, TrialState.Completed), Trial("s1", 1, TrialState.Stopped) with { Error = Reason, Step = 412 }));

        Assert.Equal(0, await _cli.RunAsync("status", "s1"));

        var line = Assert.Single(_cli.Stdout.Split('\n'), l => l.Contains("s1-001", StringComparison.Ordinal));
        Assert.Contains("stopped", line, StringComparison.Ordinal);
        Assert.Contains("412/60", line, StringComparison.Ordinal);
        Assert.Contains("(stopped at step 400: rung 2, below the top 1/3", _cli.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_PrintsTheStopWithItsReason_AndCountsStoppedTrials()
    {
        using var console = new TestConsole().Width(250).Colors(ColorSystem.NoColors);
        var view = new LiveView(console, "s", TextWriter.Null);
        var running = Trial("s", 1, TrialState.Running);
        var stopped = Trial("s", 1, TrialState.Stopped) with { Error = Reason };

        await view.RunAsync(() =>
        {
            view.Update(Sweep("s", SweepState.Running, Trial("s", 0, TrialState.Running), running));
            view.Apply(Change(1, stopped));
            var final = Sweep("s", SweepState.Completed, Trial("s", 0, TrialState.Completed), stopped);
            view.Update(final);
            view.Finish(final);
            return Task.FromResult(0);
        });

        Assert.Contains($"stopped   s-001 (alora seed 41 learning_rate=0.001): {Reason}", console.Output, StringComparison.Ordinal);
        Assert.Contains("sweep s completed: 0 queued, 0 running, 1 completed, 1 stopped early", console.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StatusOfEverySweep_Json_CountsStoppedTrials()
    {
        _cli.Cluster.Cluster = new ClusterStatus { Sweeps = ["a"] };
        _cli.Cluster.With(Sweep("a", SweepState.Completed, Trial("a", 0, TrialState.Completed), Trial("a", 1, TrialState.Stopped), Trial("a", 2, TrialState.Stopped)));

        Assert.Equal(0, await _cli.RunAsync("status", "--format", "json"));

        var sweep = Assert.Single(_cli.Json().EnumerateArray());
        Assert.Equal((1, 2, 0), (sweep.GetProperty("completed").GetInt32(), sweep.GetProperty("stopped").GetInt32(), sweep.GetProperty("failed").GetInt32()));
    }
}
