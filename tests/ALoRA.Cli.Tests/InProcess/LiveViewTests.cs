using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Trials;
using ALoRA.Cli.Watching;
using Spectre.Console;
using Spectre.Console.Testing;
using static ALoRA.Cli.Tests.InProcess.Samples;

namespace ALoRA.Cli.Tests.InProcess;

public sealed class LiveViewTests
{
    private static readonly string LongId = "sweep-" + string.Concat(Enumerable.Range(0, 114).Select(i => (char)('a' + (i % 26))));

    /// <summary>
    /// On a terminal narrower than the trial lines (a 120-character trial id, parameters that make each line longer
    /// than the screen), the live block is redrawn by screen rows: after a watch, the screen holds exactly the lines
    /// written and the final block, in order, with no left-over rows of an earlier block (the old view moved up by the
    /// number of newlines it had written, not the rows they took, and left such garbage). Replayed on an emulated
    /// terminal of that width; no colour codes (the console has none, as with NO_COLOR).
    /// </summary>
    [Theory]
    [InlineData(80)]
    [InlineData(40)]
    public async Task Watch_OnANarrowTerminal_LeavesTheLinesAndTheFinalBlockOnly(int width)
    {
        using var console = new TestConsole().Width(width).Colors(ColorSystem.NoColors).Interactive().EmitAnsiSequences();
        var view = new LiveView(console, "s", TextWriter.Null);
        var queued = Long(Trial("s", 0, TrialState.Queued, LongId));
        var running = Long(Trial("s", 0, TrialState.Running, LongId));
        var done = Long(Trial("s", 0, TrialState.Completed, LongId));
        Assert.Equal(120, LongId.Length);

        await view.RunAsync(() =>
        {
            view.Update(Sweep("s", SweepState.Running, queued, Trial("s", 1, TrialState.Queued)));
            view.Apply(Change(1, running));
            view.Apply(Step(2, LongId, 30));
            view.Update(Sweep("s", SweepState.Running, running, Trial("s", 1, TrialState.Running)));
            view.Note("connection lost (SiloUnavailableException); reconnecting to a-gateway-with-a-long-name.example.com:30000");
            view.Update(Sweep("s", SweepState.Running, running, Trial("s", 1, TrialState.Running)));
            view.Apply(Change(3, done));
            var final = Sweep("s", SweepState.Completed, done, Trial("s", 1, TrialState.Completed));
            view.Update(final);
            view.Finish(final);
            return Task.FromResult(0);
        });

        var describe = "alora seed 40 learning_rate=0.001 target_modules=q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj warmup_steps=25";
        string[] expected =
        [
            $"started   {LongId[^12..]} ({describe}) on cpu:0 (attempt 1)",
            "started   s-001 (alora seed 41 learning_rate=0.001) on cpu:0 (attempt 1)",
            "connection lost (SiloUnavailableException); reconnecting to a-gateway-with-a-long-name.example.com:30000",
            $"completed {LongId[^12..]} ({describe}): dev acc 75.0 %, test acc 70.0 %, params 1000 -> 800",
            "completed s-001 (alora seed 41 learning_rate=0.001): dev acc 75.0 %, test acc 71.0 %, params 1000 -> 800",
            "0 queued, 0 running, 2 completed",
            "sweep s completed: 0 queued, 0 running, 2 completed",
        ];
        var screen = TerminalScreen.Replay(console.Output, width);
        Assert.Equal(NonBlank(string.Concat(expected)), NonBlank(string.Concat(screen)));
        Assert.Empty(Ansi.ColourCodes(console.Output));
        Assert.Contains('#', console.Output); // a progress bar was drawn on the way
    }

    private static TrialStatus Long(TrialStatus t) => t with
    {
        SearchValues = new(t.SearchValues, StringComparer.Ordinal)
        {
            ["lora.target_modules"] = "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj",
            ["training.warmup_steps"] = "25",
        },
    };

    private static string NonBlank(string text) => string.Concat(text.Where(c => !char.IsWhiteSpace(c)));
}
