using System.Diagnostics;
using System.Text.Json;
using Xunit.Abstractions;

namespace ALoRA.EndToEnd.Tests;

/// <summary>Issue 5, scenario 2: <c>alora cancel</c> stops a running sweep on a real silo process.</summary>
public sealed class CancelTests(ITestOutputHelper log) : EndToEndTest(log)
{
    [Fact]
    public async Task Cancel_RunningSweep_CancelsEveryTrialWithinSeconds_AndFreesTheTrainer()
    {
        var spec = Workspace.WriteSpec("long.yaml", """
            id: e2e-cancel
            max_concurrent_trials: 2
            seeds: [1, 2]
            method: lora
            lora: {r: 4}
            training: {learning_rate: 5.0e-3, batch_size: 16, max_steps: 2000, max_epochs: 100, eval_every_steps: 500, checkpoint_every_steps: 500, max_sequence_length: 64, max_dev_examples: 16}
            """);
        await using var silo = await SiloProcess.StartAsync("node-cancel", SiloPorts.Free(), Workspace.PathOf("silo-data"), Workspace.Root, SiloStart);
        var gateway = silo.Ports.Gateway;
        try
        {
            var submit = await AloraOk("submit", spec, "--gateway", gateway, "--format", "json");
            var submitted = JsonOutput.Document(submit);
            Assert.Equal("e2e-cancel", submitted.Str("sweep_id"));
            Assert.Equal(2, submitted.Int("trials"));

            // One trainer: one trial runs, the other waits in the queue.
            var running = await PollStatusAsync(
                silo, "e2e-cancel",
                s => s.GetProperty("trials").EnumerateArray().Any(t => t.Str("state") == "running" && t.Int("step") > 0),
                TimeSpan.FromMinutes(3), "a trial running");
            var states = running.GetProperty("trials").EnumerateArray().Select(t => t.Str("state")).Order().ToList();
            Assert.Equal(["queued", "running"], states);

            // Ctrl+C stops a watcher (exit code 130, only JSON on stdout so far), not the sweep.
            var watcher = AloraCli.Start(Workspace.Root, "watch", "e2e-cancel", "--gateway", gateway, "--format", "json");
            var waited = Stopwatch.StartNew();
            while (!watcher.Stdout.Contains("\"kind\":\"step\"", StringComparison.Ordinal))
            {
                Assert.True(waited.Elapsed < Command && !watcher.HasExited, $"the watcher printed no step event:\n{watcher.Stdout}\n{watcher.Stderr}");
                await Task.Delay(100);
            }

            watcher.Interrupt();
            var interrupted = await watcher.WaitAsync(TimeSpan.FromSeconds(30));
            Log.WriteLine($"the watcher exited {waited.Elapsed.TotalSeconds:F1} s after it started, with {interrupted.ExitCode}");
            Assert.True(interrupted.ExitCode == 130, interrupted.ToString());
            Assert.All(interrupted.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => JsonDocument.Parse(line).Dispose());
            Assert.Equal("running", (await StatusAsync(silo, "e2e-cancel")).Str("state"));

            var cancel = await AloraOk("cancel", "e2e-cancel", "--gateway", gateway);
            Assert.Equal("", cancel.Stdout);
            Assert.Contains("sweep e2e-cancel cancelled", cancel.Stderr, StringComparison.Ordinal);

            var clock = Stopwatch.StartNew();
            var deadline = TimeSpan.FromSeconds(10);
            JsonElement status;
            while (true)
            {
                status = await StatusAsync(silo, "e2e-cancel");
                if (status.Str("state") == "cancelled" && status.GetProperty("trials").EnumerateArray().All(t => t.Str("state") == "cancelled"))
                {
                    break;
                }

                Assert.True(clock.Elapsed < deadline, $"not cancelled {clock.Elapsed.TotalSeconds:F1} s after alora cancel returned:\n{status}");
                await Task.Delay(500);
            }

            Log.WriteLine($"cancelled {clock.Elapsed.TotalSeconds:F1} s after alora cancel returned");
            foreach (var t in status.GetProperty("trials").EnumerateArray())
            {
                Assert.True(t.IsNull("trainer"), t.ToString());
                Assert.True(t.IsNull("result"), t.ToString());
                Assert.True(t.Int("step") < 2000, t.ToString());
            }

            // The scheduler: nothing queued, nothing running, the trainer free (its training loop noticed).
            JsonElement cluster;
            clock.Restart();
            while (true)
            {
                cluster = JsonOutput.Document(await AloraOk("cluster", "--gateway", gateway, "--format", "json"));
                var trainer = cluster.GetProperty("trainers").EnumerateArray().Single(t => t.Str("key") == silo.TrainerKey);
                if (trainer.IsNull("trial") && cluster.Int("running") == 0 && cluster.Int("queued") == 0)
                {
                    break;
                }

                Assert.True(clock.Elapsed < deadline, $"trainer not free {clock.Elapsed.TotalSeconds:F1} s after the sweep showed cancelled:\n{cluster}");
                await Task.Delay(500);
            }

            Assert.Equal(["e2e-cancel"], cluster.GetProperty("sweeps").EnumerateArray().Select(s => s.GetString()));
            Assert.Single(cluster.GetProperty("trainers").EnumerateArray());

            // The training itself stopped: the step count of the trial that ran no longer moves.
            var before = (await StatusAsync(silo, "e2e-cancel")).GetProperty("trials").EnumerateArray().Max(t => t.Int("step"));
            await Task.Delay(TimeSpan.FromSeconds(3));
            var after = (await StatusAsync(silo, "e2e-cancel")).GetProperty("trials").EnumerateArray().Max(t => t.Int("step"));
            Assert.Equal(before, after);

            // A cancelled trial has no adapter to export (bad input, exit 2); results still rank nothing and write the tables.
            var ran = status.GetProperty("trials").EnumerateArray().Single(t => t.Int("attempt") == 1);
            var export = await Alora("export", ran.Str("trial_id"), "--peft", Workspace.PathOf("peft"), "--gateway", gateway);
            Assert.True(export.ExitCode == 2, export.ToString());
            Assert.Contains($"trial {ran.Str("trial_id")} is cancelled: it has no adapter yet", export.Stderr, StringComparison.Ordinal);
            var results = JsonOutput.Document(await AloraOk("results", "e2e-cancel", "--out", Workspace.PathOf("results"), "--gateway", gateway, "--format", "json"));
            var rows = results.GetProperty("rows").EnumerateArray().ToList();
            Assert.Equal(2, rows.Count);
            Assert.All(rows, r => Assert.True(r.IsNull("rank") && r.IsNull("metric_value") && r.IsNull("trainable_params_after"), r.ToString()));
            Assert.All(rows, r => Assert.Equal("cancelled", r.Str("state")));
            Assert.True(File.Exists(Workspace.PathOf("results", "results.csv")));
            Assert.True(File.Exists(Workspace.PathOf("results", "results.json")));

            // Watching a cancelled sweep ends at once with its final status.
            var watch = await Alora(Command, "watch", "e2e-cancel", "--gateway", gateway, "--format", "json");
            Assert.True(watch.ExitCode == 0, watch.ToString());
            var (_, _, final) = JsonOutput.WatchStream(watch, header: false);
            Assert.Equal("cancelled", final.Str("state"));
            Assert.Contains("sweep e2e-cancel cancelled", watch.Stderr, StringComparison.Ordinal);

            // Submitting a cancelled sweep again runs its trials again (the one that ran gets attempt 2); cancel it again.
            var resubmitted = JsonOutput.Document(await AloraOk("submit", spec, "--gateway", gateway, "--format", "json"));
            Assert.True(resubmitted.GetProperty("existing").GetBoolean(), resubmitted.ToString());
            Assert.Equal(0, resubmitted.Int("reused"));
            var rerun = await PollStatusAsync(
                silo, "e2e-cancel",
                s => s.Str("state") == "running" && s.GetProperty("trials").EnumerateArray().Any(t => t.Str("state") == "running" && t.Int("step") > 0),
                TimeSpan.FromMinutes(3), "the resubmitted sweep running");
            Assert.Equal(["queued", "running"], rerun.GetProperty("trials").EnumerateArray().Select(t => t.Str("state")).Order());
            var rerunning = rerun.GetProperty("trials").EnumerateArray().Single(t => t.Str("state") == "running");
            Assert.Equal(rerunning.Str("trial_id") == ran.Str("trial_id") ? 2 : 1, rerunning.Int("attempt"));
            await AloraOk("cancel", "e2e-cancel", "--gateway", gateway);
            var recancelled = await StatusAsync(silo, "e2e-cancel");
            Assert.Equal("cancelled", recancelled.Str("state"));
            Assert.All(recancelled.GetProperty("trials").EnumerateArray(), t => Assert.Equal("cancelled", t.Str("state")));
        }
        finally
        {
            LogSilo(silo);
        }
    }
}
