using Xunit.Abstractions;

namespace ALoRA.EndToEnd.Tests;

/// <summary>
/// Issue 14, point 2, with real processes: an ASHA sweep on stories260K on one <c>alora-silo</c> process (one CPU
/// trainer, so the trials reach the rung in queue order) stops a trial that trails the first one at the rung, and
/// <c>alora results</c>, <c>status</c> and <c>show</c> mark it stopped with the reason (docs/sweep-spec.md, "scheduler").
/// </summary>
public sealed class EarlyStoppingTests(ITestOutputHelper log) : EndToEndTest(log)
{
    private const int Steps = 24;

    [Fact]
    public async Task AshaSweep_StopsTheTrailingTrial_AndResultsMarkIt()
    {
        // Trial 0 trains at 5e-3; trial 1 at 1e-7 barely moves from the base model's dev loss, so at rung 1 (step 6) it
        // is worse than trial 0: n = 2, keep ceil(2 / 2) = 1, one better -> stopped. Trial 0 is first at every rung.
        var spec = Workspace.WriteSpec("asha.yaml", $$"""
            id: e2e-asha
            metric: dev_loss
            seeds: [1]
            method: lora
            lora: {r: 4}
            training: {learning_rate: {grid_search: [5.0e-3, 1.0e-7]}, batch_size: 16, max_steps: {{Steps}}, eval_every_steps: 6, checkpoint_every_steps: 6, max_sequence_length: 64, max_dev_examples: 16}
            scheduler: {type: asha, metric: dev_loss, grace_period: 6steps, reduction_factor: 2}
            """);
        await using var silo = await SiloProcess.StartAsync("node-asha", SiloPorts.Free(), Workspace.PathOf("silo-data"), Workspace.Root, SiloStart);
        var gateway = silo.Ports.Gateway;
        try
        {
            var submit = await Alora(Watch, "submit", spec, "--gateway", gateway, "--watch", "--format", "json");
            Assert.True(submit.ExitCode == 0, submit.ToString()); // a stopped trial is not a failure

            var status = await StatusAsync(silo, "e2e-asha");
            Assert.Equal("completed", status.Str("state"));
            var trials = status.GetProperty("trials").EnumerateArray().OrderBy(t => t.Int("index")).ToList();
            Assert.Equal(["completed", "stopped"], trials.Select(t => t.Str("state")));
            var stopped = trials[1];
            Assert.StartsWith("stopped at step 6: rung 1, below the top 1/2 (dev_loss ", stopped.Str("error"), StringComparison.Ordinal);
            Assert.InRange(stopped.Int("step"), 6, Steps - 1);
            Log.WriteLine($"stopped trial: {stopped.Int("step")} of {Steps} steps trained; completed trial: {trials[0].Int("step")} steps");
            Assert.Equal(1, stopped.Int("attempt"));
            Assert.True(stopped.IsNull("result"), stopped.ToString());

            // results: the completed trial ranked, the stopped one listed after it, marked stopped with the reason.
            var results = JsonOutput.Document(await AloraOk("results", "e2e-asha", "--out", Workspace.PathOf("results"), "--gateway", gateway, "--format", "json"));
            var rows = results.GetProperty("rows").EnumerateArray().ToList();
            Assert.Equal([(trials[0].Str("trial_id"), "completed"), (stopped.Str("trial_id"), "stopped")], rows.Select(r => (r.Str("trial_id"), r.Str("state"))));
            Assert.Equal(1, rows[0].Int("rank"));
            Assert.True(rows[1].IsNull("rank"), rows[1].ToString());
            Assert.Equal(stopped.Str("error"), rows[1].Str("error"));
            Assert.True(rows[1].Num("dev_loss") > 0, rows[1].ToString()); // its metrics so far are kept

            var table = await AloraOk("results", "e2e-asha", "--out", Workspace.PathOf("results-text"), "--gateway", gateway);
            Assert.Contains("stopped", table.Stdout, StringComparison.Ordinal);
            Assert.Contains("(stopped at step 6: rung 1, below the top 1/2", table.Stdout, StringComparison.Ordinal);
            var show = await AloraOk("show", stopped.Str("trial_id"), "--gateway", gateway);
            Assert.Contains("stopped early: stopped at step 6: rung 1", show.Stdout, StringComparison.Ordinal);
            Assert.Contains("attempt 1: stopped at step 6: rung 1", show.Stdout, StringComparison.Ordinal);

            // The stopped trial's checkpoint stays in the store.
            var trialId = stopped.Str("trial_id");
            Assert.Contains(Directory.GetFiles(silo.DataDirectory, "*", SearchOption.AllDirectories), f => f.Contains(trialId, StringComparison.Ordinal) && f.Contains("checkpoints", StringComparison.Ordinal));
        }
        finally
        {
            LogSilo(silo);
        }
    }
}
