using ALoRA.Abstractions.Trials;
using ALoRA.Sweeps.Results;
using static ALoRA.Sweeps.Tests.Results.ResultsFixtures;

namespace ALoRA.Sweeps.Tests.Stopping;

/// <summary>Stopped trials in <c>alora results</c>: listed, marked stopped with the reason, never ranked, final and settled.</summary>
public sealed class StoppedResultsTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void StoppedTrial_IsListedAfterTheRanked_MarkedStopped_WithItsReasonAndDevLoss()
    {
        const string Reason = "stopped at step 400: rung 2, below the top 1/3 (dev_loss 0.9; 2 of the 4 values recorded at rung 2 (step 600) are better, 2 continue)";
        var stopped = Unfinished(1, "alora", TrialState.Stopped, Reason) with { DevLoss = 0.9 };
        var rows = SweepResults.Rank(Sweep("dev_loss", "min", Completed(0, "lora", 0.8, devLoss: 0.7), stopped, Completed(2, "lora", 0.8, devLoss: 0.6)));

        Assert.Equal([("sw-002", (int?)1), ("sw-000", 2), ("sw-001", null)], rows.Select(r => (r.TrialId, r.Rank)));
        var row = rows[2];
        Assert.Equal((TrialState.Stopped, Reason, 0.9), (row.State, row.Error, row.DevLoss));

        var csv = Path.Combine(_folder.Path, "results.csv");
        ResultsWriter.WriteCsv(rows, csv);
        Assert.Contains(",stopped,", File.ReadAllLines(csv)[3], StringComparison.Ordinal);
        Assert.Contains(Reason, File.ReadAllLines(csv)[3], StringComparison.Ordinal);
    }

    [Fact]
    public void Stopped_IsFinalAndSettled()
    {
        Assert.True(TrialState.Stopped.IsFinal());
        Assert.True(TrialState.Stopped.IsSettled());
        Assert.Equal(
            [TrialState.Completed, TrialState.Failed, TrialState.Cancelled, TrialState.Stopped],
            Enum.GetValues<TrialState>().Where(s => s.IsFinal()));
    }
}
