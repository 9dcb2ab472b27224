using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace ALoRA.EndToEnd.Tests;

/// <summary>
/// Issue 5, scenario 3: the silo process is killed (SIGKILL) in the middle of a sweep and started again with the same
/// name, ports and data directory; the sweep resumes from its checkpoints and completes, every trial's result once,
/// and the resumed trial trains exactly as a straight run of the same configuration (README: "the resumed run's 60
/// step losses equal a straight run's exactly"; "a resumed run reproduces the straight run's losses and ranks for
/// every method").
/// </summary>
public sealed partial class SiloRestartTests(ITestOutputHelper log) : EndToEndTest(log)
{
    private const int Steps = 60;

    [Fact]
    public async Task KillSiloMidSweep_RestartSameNameAndData_SweepCompletesWithEveryResultOnce()
    {
        const string settings = """
            method: lora
            lora: {r: 4}
            training: {learning_rate: 5.0e-3, batch_size: 16, max_steps: 60, eval_every_steps: 30, checkpoint_every_steps: 10, max_sequence_length: 64, max_dev_examples: 16}
            """;
        await using var run = await KillAndRestartAsync("e2e-restart", "seeds: [1, 2]\n" + settings, killAfterStep: 15);

        var trials = run.Final.GetProperty("trials").EnumerateArray().ToList();
        Assert.Equal(2, trials.Count);
        var other = trials.Single(t => t.Str("trial_id") != run.Victim);
        Assert.Equal(1, other.Int("attempt"));

        // Every trial once in the results, each with its result.
        var results = JsonOutput.Document(await AloraOk("results", "e2e-restart", "--out", Workspace.PathOf("results"), "--gateway", run.Gateway, "--format", "json"));
        var rows = results.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(trials.Select(t => t.Str("trial_id")).Order(), rows.Select(r => r.Str("trial_id")).Order());
        Assert.Equal([1, 2], rows.Select(r => r.Int("rank")));
        Assert.All(rows, r => Assert.Equal("completed", r.Str("state")));
        Assert.All(rows, r => Assert.Equal(Stories260K.UniformLoraParameters(4), r.Long("trainable_params_after")));

        // The cluster after the restart: the one trainer, on the new silo, free; nothing queued or running.
        var cluster = JsonOutput.Document(await AloraOk("cluster", "--gateway", run.Gateway, "--format", "json"));
        var trainer = Assert.Single(cluster.GetProperty("trainers").EnumerateArray());
        Assert.Equal("node-a/cpu:0", trainer.Str("key"));
        Assert.True(trainer.IsNull("trial"), cluster.ToString());
        Assert.Equal(0, cluster.Int("queued"));
        Assert.Equal(0, cluster.Int("running"));
        Assert.Equal(["e2e-restart"], cluster.GetProperty("sweeps").EnumerateArray().Select(e => e.GetString()));

        await run.CheckFollowerAsync(maxReconnectDelay: TimeSpan.FromSeconds(20));
        await CompareWithStraightRunAsync(run, $"seeds: [{run.VictimSeed}]\n" + settings);
    }

    [Fact]
    public async Task KillSiloBetweenAloraRounds_Restart_ResumedTrialKeepsItsRoundsAndMatchesAStraightRun()
    {
        const string settings = """
            seeds: [3]
            method: alora
            lora: {r: 4}
            training: {learning_rate: 5.0e-3, batch_size: 16, max_steps: 60, eval_every_steps: 30, checkpoint_every_steps: 10, max_sequence_length: 64, max_dev_examples: 16}
            alora: {k1: 10steps, k2: 10steps, n_rounds: 3, val_batch_size: 8}
            """;
        await using var run = await KillAndRestartAsync("e2e-restart-alora", settings, killAfterStep: 25);

        var trial = Assert.Single(run.Final.GetProperty("trials").EnumerateArray());
        Assert.Equal(3, trial.GetProperty("result").Int("allocation_rounds"));
        var rounds = run.VictimShow.GetProperty("rounds").EnumerateArray().ToList();
        Assert.Equal([(1, 10), (2, 20), (3, 30)], rounds.Select(r => (r.Int("round"), r.Int("step"))));
        var allocation = trial.GetProperty("result").GetProperty("final_allocation").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        Assert.Equal(Stories260K.Parameters(allocation), trial.GetProperty("result").Long("final_trainable_parameters"));
        Assert.Equal(
            rounds[^1].GetProperty("ranks_after").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32()).OrderBy(kv => kv.Key, StringComparer.Ordinal),
            allocation.OrderBy(kv => kv.Key, StringComparer.Ordinal));

        await run.CheckFollowerAsync(maxReconnectDelay: TimeSpan.FromSeconds(20));
        var straight = await CompareWithStraightRunAsync(run, settings);
        Assert.Equal(
            straight.GetProperty("rounds").EnumerateArray().Select(r => string.Join(",", r.GetProperty("pruned").EnumerateArray().Select(p => p.GetString()))),
            rounds.Select(r => string.Join(",", r.GetProperty("pruned").EnumerateArray().Select(p => p.GetString()))));
    }

    [Fact]
    public async Task StopSiloWithSigtermMidTrial_Restart_ResumesFromTheDrainCheckpointAndMatchesAStraightRun()
    {
        // No periodic checkpoint before step 50: attempt 2 can only resume from the checkpoint the drain wrote.
        const string settings = """
            seeds: [5]
            method: lora
            lora: {r: 4}
            training: {learning_rate: 5.0e-3, batch_size: 16, max_steps: 60, eval_every_steps: 30, checkpoint_every_steps: 50, max_sequence_length: 64, max_dev_examples: 16}
            """;
        await using var run = await KillAndRestartAsync("e2e-drain", settings, killAfterStep: 15, graceful: true);

        var trial = Assert.Single(run.Final.GetProperty("trials").EnumerateArray());
        Assert.Equal(1, trial.Int("infrastructure_retries"));
        var attempts = run.VictimShow.GetProperty("attempts").EnumerateArray().Select(a => a.GetString()!).ToList();
        Assert.Contains("attempt 1: released (its trainer was drained)", attempts);
        await run.CheckFollowerAsync(maxReconnectDelay: TimeSpan.FromSeconds(20));
        await CompareWithStraightRunAsync(run, settings);
    }

    [Fact]
    public async Task StopSiloWithSigtermDuringAnAllocationRound_WatcherReconnectsAsSoonAsTheSiloIsBack()
    {
        // SIGTERM lands in the first allocation round (the reference scorer on 32 validation examples takes seconds):
        // the silo drains for that long while the watcher keeps polling it.
        const string settings = """
            seeds: [7]
            method: alora
            lora: {r: 4}
            training: {learning_rate: 5.0e-3, batch_size: 16, max_steps: 20, eval_every_steps: 20, checkpoint_every_steps: 50, max_sequence_length: 64, max_dev_examples: 16}
            alora: {k1: 10steps, k2: 5steps, n_rounds: 1, val_batch_size: 32, scorer: reference}
            """;
        await using var run = await KillAndRestartAsync("e2e-drain-round", settings, killAfterStep: 10, graceful: true, steps: 20);

        // The follower was polling the draining silo all along; it must not hang on a call the stopping silo never
        // answers (the client's 30 s response timeout) but reconnect as soon as the silo is back.
        var events = await run.CheckFollowerAsync(maxReconnectDelay: TimeSpan.FromSeconds(20));

        // The signal landed in the round: after step 10 (k1), which the round follows, had been reported by the silo, and
        // before the round's own report (made when it ends: during the drain, or in attempt 2 if the drain cut it short).
        var progress = events.Where(e => e.TryGetProperty("progress", out var p) && p.ValueKind == JsonValueKind.Object)
            .Select(e => e.GetProperty("progress")).Where(p => p.Str("trial_id") == run.Victim).ToList();
        var step10 = progress.Where(p => p.Str("kind") == "step" && p.Int("step") == 10 && p.Int("attempt") == 1).ToList();
        var rounds = progress.Where(p => p.Str("kind") == "allocation_round").ToList();
        Assert.True(step10.Count > 0 && rounds.Count > 0, $"the watcher printed no step-10 or no round event of {run.Victim}:\n{string.Join('\n', progress)}");
        var roundStart = step10[0].GetProperty("timestamp").GetDateTimeOffset();
        var roundEnd = rounds[0].GetProperty("timestamp").GetDateTimeOffset();
        Assert.True(
            roundStart <= run.SignalledAt && run.SignalledAt < roundEnd,
            $"SIGTERM at {run.SignalledAt:HH:mm:ss.fff}, the round ran from {roundStart:HH:mm:ss.fff} to {roundEnd:HH:mm:ss.fff}");

        // The round the drain interrupted (or waited for) happened exactly once, as in a straight run.
        var trial = Assert.Single(run.Final.GetProperty("trials").EnumerateArray());
        Assert.Equal(1, trial.GetProperty("result").Int("allocation_rounds"));
        Assert.Equal([(1, 10)], run.VictimShow.GetProperty("rounds").EnumerateArray().Select(r => (r.Int("round"), r.Int("step"))));
        var straight = await CompareWithStraightRunAsync(run, settings, steps: 20);
        Assert.Equal(
            straight.GetProperty("rounds")[0].GetProperty("pruned").EnumerateArray().Select(p => p.GetString()),
            run.VictimShow.GetProperty("rounds")[0].GetProperty("pruned").EnumerateArray().Select(p => p.GetString()));
    }

    /// <summary>
    /// Starts silo node-a, submits the sweep, follows it with a watcher, kills the silo (SIGKILL) once a trial reports
    /// a step at or past <paramref name="killAfterStep"/>, starts node-a again on the same ports and data directory,
    /// and watches the sweep to its end with a new <c>alora watch</c>; checks the killed trial's history.
    /// </summary>
    private async Task<RestartRun> KillAndRestartAsync(string sweepId, string body, int killAfterStep, bool graceful = false, int steps = Steps)
    {
        var spec = Workspace.WriteSpec($"{sweepId}.yaml", $"id: {sweepId}\nmax_concurrent_trials: 2\n{body}");
        var ports = SiloPorts.Free();
        var data = Workspace.PathOf("node-a-data");
        var run = new RestartRun(this, ports.Gateway);
        try
        {
            run.First = await SiloProcess.StartAsync("node-a", ports, data, Workspace.Root, SiloStart);
            JsonOutput.Document(await AloraOk("submit", spec, "--gateway", ports.Gateway, "--format", "json"));

            // A watcher that is running when the silo dies: its events show the training live (to kill at the right
            // moment; a status poll through another CLI process takes seconds, in which a 60-step training may
            // finish), and it must reconnect to the new silo and still see the sweep to its end.
            run.Follower = AloraCli.Start(Workspace.Root, "watch", sweepId, "--gateway", ports.Gateway, "--format", "json", "--connect-timeout", "180");
            var (victim, step) = await WaitForStepAsync(run.Follower, run.First, killAfterStep, TimeSpan.FromMinutes(5));
            if (graceful)
            {
                var stopping = System.Diagnostics.Stopwatch.StartNew();
                run.SignalledAt = DateTimeOffset.UtcNow;
                run.First.Terminate();
                var exitCode = await run.First.WaitForExitAsync(TimeSpan.FromSeconds(90));
                Log.WriteLine($"[{DateTime.Now:HH:mm:ss}] SIGTERM: {victim} had reported step {step}; the silo exited with {exitCode} after {stopping.Elapsed.TotalSeconds:F1} s");
                Assert.True(exitCode == 0, $"exit code {exitCode}; output:\n{run.First.Output}");
                Assert.Contains("draining 1 trainers", run.First.Output, StringComparison.Ordinal);
            }
            else
            {
                run.SignalledAt = DateTimeOffset.UtcNow;
                await run.First.KillAsync();
                Log.WriteLine($"[{DateTime.Now:HH:mm:ss}] killed the silo: {victim} had reported step {step}");
            }

            LogSilo(run.First);
            run.Victim = victim;

            run.Second = await SiloProcess.StartAsync("node-a", ports, data, Workspace.Root, SiloStart);
            run.SecondReadyAt = DateTime.Now;
            Log.WriteLine($"[{DateTime.Now:HH:mm:ss.f}] second silo ready");

            var watch = await Alora(Watch, "watch", sweepId, "--gateway", ports.Gateway, "--format", "json");
            Assert.True(watch.ExitCode == 0, watch.ToString());
            var (_, _, final) = JsonOutput.WatchStream(watch, header: false);
            Assert.Equal("completed", final.Str("state"));
            Assert.All(final.GetProperty("trials").EnumerateArray(), t => Assert.Equal("completed", t.Str("state")));
            Assert.All(final.GetProperty("trials").EnumerateArray(), t => Assert.Equal(steps, t.GetProperty("result").Int("steps")));
            var killed = final.GetProperty("trials").EnumerateArray().Single(t => t.Str("trial_id") == victim);
            Assert.Equal(2, killed.Int("attempt"));
            Assert.True(killed.Int("infrastructure_retries") >= 1, killed.ToString());
            Assert.Equal(0, killed.Int("trial_failures"));
            run.Final = final;
            run.VictimSeed = killed.Long("seed");

            // The killed trial's history: attempt 1 lost with its silo, attempt 2 resumed from a checkpoint.
            var show = JsonOutput.Document(await AloraOk("show", victim, "--gateway", ports.Gateway, "--format", "json"));
            var attempts = show.GetProperty("attempts").EnumerateArray().Select(a => a.GetString()!).ToList();
            var resumed = attempts.Select(a => ResumedAt().Match(a)).Where(m => m.Success).ToList();
            Assert.True(resumed.Count == 1, $"attempts:\n{string.Join('\n', attempts)}");
            var resumedStep = int.Parse(resumed[0].Groups["step"].Value, CultureInfo.InvariantCulture);
            Log.WriteLine($"attempt 2 resumed from the checkpoint at step {resumedStep}");
            Assert.True(
                graceful ? resumedStep >= step && resumedStep < steps : resumedStep > 0 && resumedStep % 10 == 0 && resumedStep < steps,
                $"resumed at {resumedStep}, stopped after step {step}");
            Assert.Contains(attempts, a => a.StartsWith("attempt 1 on node-a/cpu:0", StringComparison.Ordinal));
            Assert.Contains(attempts, a => a.StartsWith("attempt 2 on node-a/cpu:0", StringComparison.Ordinal));
            Assert.Contains(attempts, a => a.StartsWith("attempt 2: completed", StringComparison.Ordinal));
            Assert.DoesNotContain(attempts, a => a.StartsWith("attempt 3", StringComparison.Ordinal));
            var losses = show.GetProperty("step_losses").EnumerateArray().Select(e => e.GetDouble()).ToList();
            Assert.Equal(steps, losses.Count);
            Assert.All(losses, l => Assert.True(double.IsFinite(l), $"step losses: {string.Join(", ", losses)}"));
            run.VictimShow = show;
            return run;
        }
        catch
        {
            await run.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Runs the killed trial's configuration again as its own sweep, uninterrupted, on the second silo, and checks that
    /// the resumed trial's step losses and results equal the straight run's exactly; returns the straight run's show.
    /// </summary>
    private async Task<JsonElement> CompareWithStraightRunAsync(RestartRun run, string body, int steps = Steps)
    {
        var id = $"{run.Final.Str("sweep_id")}-straight";
        var spec = Workspace.WriteSpec($"{id}.yaml", $"id: {id}\n{body}");
        var straight = await Alora(Watch, "submit", spec, "--gateway", run.Gateway, "--watch", "--format", "json");
        Assert.True(straight.ExitCode == 0, straight.ToString());
        var (_, _, final) = JsonOutput.WatchStream(straight, header: true);
        var trial = Assert.Single(final.GetProperty("trials").EnumerateArray());
        Assert.Equal(1, trial.Int("attempt"));
        var show = JsonOutput.Document(await AloraOk("show", trial.Str("trial_id"), "--gateway", run.Gateway, "--format", "json"));
        Assert.Equal(run.VictimShow.GetProperty("spec").Str("config_hash"), show.GetProperty("spec").Str("config_hash"));

        var expected = show.GetProperty("step_losses").EnumerateArray().Select(e => e.GetDouble()).ToList();
        var actual = run.VictimShow.GetProperty("step_losses").EnumerateArray().Select(e => e.GetDouble()).ToList();
        Assert.Equal(steps, expected.Count);
        var firstDifference = Enumerable.Range(0, Math.Min(expected.Count, actual.Count)).Where(i => expected[i] != actual[i]).DefaultIfEmpty(-1).First();
        Assert.True(
            firstDifference < 0 && expected.Count == actual.Count,
            $"resumed step losses differ from the straight run's from step {firstDifference + 1}:\nstraight {string.Join(", ", expected)}\nresumed  {string.Join(", ", actual)}");
        var a = run.VictimShow.GetProperty("status").GetProperty("result");
        var b = show.GetProperty("status").GetProperty("result");
        foreach (var field in new[] { "dev_metric", "test_metric", "dev_loss", "test_loss" })
        {
            Assert.True(a.Num(field) == b.Num(field), $"{field}: resumed {a.Num(field)}, straight {b.Num(field)}");
        }

        Assert.Equal(b.Long("final_trainable_parameters"), a.Long("final_trainable_parameters"));
        return show;
    }

    /// <summary>Reads the watcher's event lines until a trial reports a training step at or past <paramref name="minimum"/>.</summary>
    private static async Task<(string TrialId, int Step)> WaitForStepAsync(AloraCli watcher, SiloProcess silo, int minimum, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var seen = 0;
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(watcher.HasExited, $"the watcher exited early:\n{watcher.Stdout}\n{watcher.Stderr}");
            Assert.False(silo.HasExited, $"the silo exited:\n{silo.Output}");
            var lines = watcher.Stdout.Split('\n');
            for (; seen < lines.Length - 1; seen++)
            {
                if (!lines[seen].StartsWith("{\"", StringComparison.Ordinal))
                {
                    continue;
                }

                using var e = JsonDocument.Parse(lines[seen]);
                if (e.RootElement.GetProperty("progress") is { ValueKind: JsonValueKind.Object } p
                    && p.Str("kind") == "step" && p.Int("step") >= minimum)
                {
                    return (p.Str("trial_id"), p.Int("step"));
                }
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"no trial reached step {minimum} within {timeout}:\n{watcher.Stdout}\n{watcher.Stderr}\n{silo.Output}");
    }

    [GeneratedRegex(@"^attempt 2: resumed from the checkpoint at step (?<step>\d+)$")]
    private static partial Regex ResumedAt();

    /// <summary>The processes of one kill-and-restart run and what it found.</summary>
    private sealed class RestartRun(SiloRestartTests test, string gateway) : IAsyncDisposable
    {
        public string Gateway { get; } = gateway;

        public SiloProcess? First { get; set; }

        public SiloProcess? Second { get; set; }

        public AloraCli? Follower { get; set; }

        public string Victim { get; set; } = "";

        public long VictimSeed { get; set; }

        public JsonElement Final { get; set; }

        public JsonElement VictimShow { get; set; }

        public DateTime SecondReadyAt { get; set; }

        /// <summary>When the first silo was sent SIGTERM or SIGKILL.</summary>
        public DateTimeOffset SignalledAt { get; set; }

        /// <summary>
        /// The watcher that lived through the restart reconnected and saw the same end; with
        /// <paramref name="maxReconnectDelay"/>, it reconnected within that time after the new silo was ready. Returns the events it printed.
        /// </summary>
        public async Task<IReadOnlyList<JsonElement>> CheckFollowerAsync(TimeSpan? maxReconnectDelay = null)
        {
            var followed = await Follower!.WaitAsync(Watch);
            test.Log.WriteLine($"the watcher started before the kill exited with {followed.ExitCode} at {Follower.ExitedAt:HH:mm:ss.f}; its stderr:\n{Follower.TimedStderr}");
            if (maxReconnectDelay is { } limit)
            {
                var reconnected = Follower.StderrLineTime(l => l.StartsWith("reconnected", StringComparison.Ordinal));
                Assert.True(reconnected is not null, followed.ToString());
                var delay = reconnected!.Value - SecondReadyAt;
                Assert.True(
                    delay < limit,
                    $"the watcher reconnected {delay.TotalSeconds:F1} s after the new silo was ready ({SecondReadyAt:HH:mm:ss.f}); its stderr:\n{Follower.TimedStderr}");
            }

            Assert.True(followed.ExitCode == 0, followed.ToString());
            Assert.Contains("reconnected", followed.Stderr, StringComparison.Ordinal);
            var (_, events, final) = JsonOutput.WatchStream(followed, header: false);
            Assert.Equal("completed", final.Str("state"));
            Assert.All(final.GetProperty("trials").EnumerateArray(), t => Assert.Equal("completed", t.Str("state")));
            return events;
        }

        public async ValueTask DisposeAsync()
        {
            Follower?.Kill();
            if (Second is not null)
            {
                test.LogSilo(Second);
                await Second.DisposeAsync();
            }

            if (First is not null)
            {
                await First.DisposeAsync();
            }
        }
    }
}
