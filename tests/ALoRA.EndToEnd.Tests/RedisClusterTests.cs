using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace ALoRA.EndToEnd.Tests;

/// <summary>
/// Issue 10, item 4: two real silo processes as they run in production, on Redis clustering and Redis grain storage
/// (a private redis-server per test) with one shared checkpoint folder. A silo is killed (SIGKILL) while it trains a
/// trial: the trial resumes on the other silo from its checkpoint, with its non-default <c>target_modules</c>; the
/// whole cluster is then stopped and started again and answers the same. And a rolling restart (SIGTERM one silo at a
/// time, each started again before the next, as a Kubernetes rollout does) in the middle of a sweep loses nothing and
/// runs nothing twice to completion. The CLI reaches the cluster with <c>ALORA_GATEWAY</c> and <c>ALORA_CLUSTER_ID</c>.
/// </summary>
public sealed partial class RedisClusterTests(ITestOutputHelper log) : EndToEndTest(log)
{
    private const int Steps = 200;

    /// <summary>Written out of model order: the spec stores them in model order.</summary>
    private const string TargetModules = "[v_proj, q_proj]";

    private static readonly string[] ExpectedModules = ["q_proj", "v_proj"];

    /// <summary>Waits that include training (each trial is 200 steps of a few ms, on a loaded 2-core machine).</summary>
    private static readonly TimeSpan Training = TimeSpan.FromMinutes(5);

    /// <summary>A silo's exit after SIGTERM (its shutdown timeout is 20 s).</summary>
    private static readonly TimeSpan Exit = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task KillTheSiloTrainingATrial_ItResumesOnTheOtherSiloFromItsCheckpoint_ThenAFullRestartAnswersTheSame()
    {
        const string sweepId = "e2e-redis-failover";
        var spec = Workspace.WriteSpec($"{sweepId}.yaml", $$"""
            id: {{sweepId}}
            max_concurrent_trials: 2
            seeds: [11]
            method: {grid_search: [lora, alora]}
            lora: {r: 4, target_modules: {{TargetModules}}}
            training: {learning_rate: 5.0e-3, batch_size: 16, max_steps: {{Steps}}, eval_every_steps: 100, checkpoint_every_steps: 20, max_sequence_length: 64, max_dev_examples: 16}
            alora: {k1: 30steps, k2: 30steps, n_rounds: 2, val_batch_size: 8}
            """);
        var timings = new List<string>();
        await using var cluster = await RedisCluster.CreateAsync(Workspace, "e2e-failover");
        try
        {
            var clock = Stopwatch.StartNew();
            await cluster.StartSilosAsync(SiloStart, "node-a", "node-b");
            timings.Add($"two silos started and ready in {clock.Elapsed.TotalSeconds:F1} s");

            var submitted = await CliJsonAsync(cluster, cluster["node-a"], "submit", spec, "--format", "json");
            Assert.Equal(2, submitted.Int("trials"));

            // Before the kill: both trials carry the modules of the spec.
            var first = await StatusAsync(cluster, cluster["node-b"], sweepId);
            var trialIds = TrialIds(first);
            foreach (var id in trialIds)
            {
                AssertTargetModules((await ShowAsync(cluster, cluster["node-b"], id)).GetProperty("spec"));
            }

            // Both trials train, one on each silo; the alora trial has passed its first round (step 30) and its step-40 checkpoint.
            var running = await WaitForStatusAsync(cluster, cluster["node-b"], sweepId,
                s => Trial(s, "alora") is { } t && (t.Str("state") is not ("running" or "queued") || t.Int("step") >= 45),
                Training, "the alora trial to pass step 45");
            var victimTrial = Trial(running, "alora")!.Value;
            Assert.True(victimTrial.Str("state") == "running", $"the alora trial ended before it could be killed (make it longer):\n{running}");
            var victimId = victimTrial.Str("trial_id");
            var victim = cluster[SiloOf(victimTrial)!];
            var survivor = cluster[victim.Name == "node-a" ? "node-b" : "node-a"];
            var other = Trial(running, "lora")!.Value;
            Assert.True(other.Str("state") == "running" && SiloOf(other) == survivor.Name, $"both silos should be training:\n{running}");
            var stepAtKill = victimTrial.Int("step");

            await victim.KillAsync();
            var killedAt = Stopwatch.StartNew();
            Log.WriteLine($"[{DateTime.Now:HH:mm:ss.f}] killed {victim.Name} (SIGKILL) while it trained {victimId} at step {stepAtKill} (as reported)");

            // Failover: the trial is requeued when membership declares the silo dead, and resumes on the survivor once
            // the survivor's trainer is free (it first finishes its own trial).
            TimeSpan? requeued = null;
            TimeSpan? resumed = null;
            var final = await WaitForStatusAsync(cluster, survivor, sweepId, s =>
            {
                var t = s.GetProperty("trials").EnumerateArray().Single(x => x.Str("trial_id") == victimId);
                if (requeued is null && (t.Str("state") == "queued" || t.Int("attempt") >= 2))
                {
                    requeued = killedAt.Elapsed;
                }

                if (resumed is null && t.Int("attempt") >= 2)
                {
                    resumed = killedAt.Elapsed;
                }

                return s.Str("state") == "completed";
            }, Training, "the sweep to complete after the kill");
            timings.Add($"SIGKILL -> trial requeued (seen by status polls): {requeued?.TotalSeconds:F1} s; -> attempt 2 on the survivor: {resumed?.TotalSeconds:F1} s " +
                        $"(after the survivor finished its own trial); -> sweep completed: {killedAt.Elapsed.TotalSeconds:F1} s");
            timings.Add($"survivor log after the kill: {string.Join(" | ", Lines(survivor.Output, l => l.Contains("probe", StringComparison.Ordinal) || l.Contains("Dead", StringComparison.Ordinal) || l.Contains($"{victimId} attempt 2", StringComparison.Ordinal)).Take(8).Select(Short))}");

            // Both trials completed, the killed one on the survivor in its second attempt, the other one undisturbed.
            var trials = final.GetProperty("trials").EnumerateArray().ToList();
            Assert.All(trials, t => Assert.True(t.Str("state") == "completed", $"{t}\n{cluster.Output()}"));
            var killed = trials.Single(t => t.Str("trial_id") == victimId);
            Assert.True(killed.Int("attempt") == 2 && killed.Int("infrastructure_retries") == 1 && killed.Int("trial_failures") == 0, killed.ToString());
            Assert.StartsWith($"{survivor.Name}/cpu:0@", killed.Str("trainer"));
            Assert.True(killed.IsNull("error"), killed.ToString());
            var kept = trials.Single(t => t.Str("trial_id") != victimId);
            Assert.True(kept.Int("attempt") == 1 && kept.Int("infrastructure_retries") == 0, kept.ToString());

            // Its history: attempt 1 lost with its silo, attempt 2 resumed from a checkpoint of attempt 1, completed once.
            var victimShow = await ShowAsync(cluster, survivor, victimId);
            var attempts = Attempts(victimShow);
            var history = $"attempts of {victimId}:\n{string.Join('\n', attempts)}";
            Assert.True(attempts.Count(a => a.StartsWith($"attempt 1 on {victim.Name}/cpu:0@", StringComparison.Ordinal) && a.Contains(": lost", StringComparison.Ordinal)) == 1, history);
            Assert.True(attempts.Count(a => a.StartsWith($"attempt 2 on {survivor.Name}/cpu:0@", StringComparison.Ordinal) && a.Contains(": started", StringComparison.Ordinal)) == 1, history);
            var resumedAt = ResumedSteps(attempts, 2);
            Assert.True(resumedAt.Count == 1 && resumedAt[0] >= 40 && resumedAt[0] % 20 == 0 && resumedAt[0] < Steps, history);
            Log.WriteLine($"{victimId}: killed after step {stepAtKill} (as reported), resumed from the checkpoint at step {resumedAt[0]}");
            Assert.DoesNotContain(attempts, a => a.StartsWith("attempt 3", StringComparison.Ordinal) || a.Contains(": failed", StringComparison.Ordinal));
            Assert.Equal([(1, 30), (2, 60)], victimShow.GetProperty("rounds").EnumerateArray().Select(r => (r.Int("round"), r.Int("step"))));
            var keptShow = await ShowAsync(cluster, survivor, kept.Str("trial_id"));
            Assert.DoesNotContain(Attempts(keptShow), a => a.Contains(": lost", StringComparison.Ordinal) || a.Contains(": released", StringComparison.Ordinal));

            // Exactly one result per trial, and whole loss histories. The kept trial's experiment grain may have lived on
            // the killed silo: then the steps reported to it since its last write died with it, and its trainer sent
            // them again to the next activation.
            var keptExperimentOnVictim = victim.Output.Contains($"Trial {kept.Str("trial_id")} is Running: attempt 1 on ", StringComparison.Ordinal);
            Log.WriteLine($"the kept trial's experiment grain was on the {(keptExperimentOnVictim ? "killed silo" : "survivor")}");
            AssertCompletedOnce(victimShow, cluster);
            AssertCompletedOnce(keptShow, cluster);
            foreach (var show in new[] { victimShow, keptShow })
            {
                AssertTargetModules(show.GetProperty("spec"));
                AssertAdapter(show, cluster);
            }

            var results = await ResultsAsync(cluster, survivor, sweepId, "results-1");
            Assert.Equal(trialIds.Order(StringComparer.Ordinal), results.EnumerateArray().Select(r => r.Str("trial_id")).Order(StringComparer.Ordinal));
            Assert.All(results.EnumerateArray(), r => Assert.True(r.Str("state") == "completed" && r.Int("target_modules") == 2 && r.Long("trainable_params_before") == LoraParameters, r.ToString()));
            AssertEachTrialFinishedOnce(cluster, trialIds);

            // State lives in Redis, not in the silos' data directories.
            Assert.Equal("1", await cluster.Redis.CommandAsync("EXISTS", $"{cluster.ServiceId}/state/sweep/sweepcoordinator/{sweepId}"));
            Assert.Equal("1", await cluster.Redis.CommandAsync("EXISTS", $"{cluster.ServiceId}/members/{cluster.ClusterId}"));
            Assert.All(cluster.Started, s => Assert.False(Directory.Exists(Path.Combine(s.DataDirectory, "state")), s.DataDirectory));

            // The killed silo comes back under its name; then the whole cluster stops (SIGTERM) and starts again.
            clock.Restart();
            await cluster.StartSiloAsync(victim.Name, SiloStart);
            timings.Add($"killed silo started again and ready in {clock.Elapsed.TotalSeconds:F1} s");
            var before = await SnapshotAsync(cluster, survivor, sweepId, trialIds, "results-before");
            var clusterInfo = await CliJsonAsync(cluster, cluster[victim.Name], "cluster", "--format", "json");
            Assert.Equal(["node-a/cpu:0", "node-b/cpu:0"], clusterInfo.GetProperty("trainers").EnumerateArray().Select(t => t.Str("key")));
            Assert.All(clusterInfo.GetProperty("trainers").EnumerateArray(), t => Assert.True(t.IsNull("trial"), clusterInfo.ToString()));

            clock.Restart();
            var silos = new[] { cluster["node-a"], cluster["node-b"] };
            foreach (var silo in silos)
            {
                silo.Terminate();
            }

            foreach (var silo in silos)
            {
                var code = await silo.WaitForExitAsync(Exit);
                Assert.True(code == 0, $"{silo.Name} exited with {code} after SIGTERM; output:\n{silo.Output}");
            }

            timings.Add($"both silos exited 0 {clock.Elapsed.TotalSeconds:F1} s after SIGTERM");
            clock.Restart();
            await Task.WhenAll(silos.Select(s => cluster.StartSiloAsync(s.Name, SiloStart)));
            timings.Add($"both silos started again and ready in {clock.Elapsed.TotalSeconds:F1} s");

            // The same answers, through the other gateway.
            var after = await SnapshotAsync(cluster, cluster[victim.Name], sweepId, trialIds, "results-after");
            AssertSameJson("alora status SWEEP", before.Status, after.Status);
            AssertSameJson("alora results SWEEP (rows)", before.Results, after.Results);
            AssertSameJson("alora status (this sweep)", before.ListEntry, after.ListEntry);
            foreach (var id in trialIds)
            {
                AssertSameJson($"alora show {id}", before.Shows[id], after.Shows[id]);
                AssertTargetModules(after.Shows[id].GetProperty("spec"));
            }

            Assert.Equal(2, after.ListEntry.Int("completed"));
        }
        catch
        {
            LogCluster(cluster);
            throw;
        }
        finally
        {
            foreach (var t in timings)
            {
                Log.WriteLine($"timing: {t}");
            }
        }

        await cluster.DisposeAndAssertNothingLeftAsync();
    }

    [Fact]
    public async Task RollingRestartWithSigtermMidSweep_NothingLost_NothingRunTwiceToCompletion()
    {
        const string sweepId = "e2e-redis-rolling";

        // No periodic checkpoint before step 100: a drained attempt resumes from the checkpoint its drain wrote.
        var spec = Workspace.WriteSpec($"{sweepId}.yaml", $$"""
            id: {{sweepId}}
            max_concurrent_trials: 2
            seeds: [1, 2, 3, 4]
            method: lora
            lora: {r: 4, target_modules: {{TargetModules}}}
            training: {learning_rate: 5.0e-3, batch_size: 16, max_steps: {{Steps}}, eval_every_steps: 100, checkpoint_every_steps: 100, max_sequence_length: 64, max_dev_examples: 16}
            """);
        var timings = new List<string>();
        await using var cluster = await RedisCluster.CreateAsync(Workspace, "e2e-rolling");
        try
        {
            var clock = Stopwatch.StartNew();
            await cluster.StartSilosAsync(SiloStart, "node-a", "node-b");
            timings.Add($"two silos started and ready in {clock.Elapsed.TotalSeconds:F1} s");
            var submitted = await CliJsonAsync(cluster, cluster["node-a"], "submit", spec, "--format", "json");
            Assert.Equal(4, submitted.Int("trials"));

            // One silo after the other: SIGTERM while it trains, wait for it to exit 0 having handed its trial back, start it again.
            var drained = new List<(string TrialId, int Attempt, int Step)>();
            foreach (var (name, peer) in new[] { ("node-a", "node-b"), ("node-b", "node-a") })
            {
                var status = await WaitForStatusAsync(cluster, cluster[peer], sweepId,
                    s => s.Str("state") != "running" || (RunningOn(s, name) is { } t && t.Int("step") >= 10 && t.Int("step") <= 150),
                    Training, $"{name} to train a trial between steps 10 and 150");
                Assert.True(RunningOn(status, name) is not null, $"the sweep ended before {name} could be stopped while training (make it longer):\n{status}");
                var trial = RunningOn(status, name)!.Value;
                var silo = cluster[name];
                clock.Restart();
                silo.Terminate();
                var code = await silo.WaitForExitAsync(Exit);
                timings.Add($"{name} exited {code} {clock.Elapsed.TotalSeconds:F1} s after SIGTERM (it trained {trial.Str("trial_id")} at step {trial.Int("step")} as reported)");
                Assert.True(code == 0, $"{name} exited with {code} after SIGTERM; output:\n{silo.Output}");
                Assert.Contains("draining 1 trainers", silo.Output, StringComparison.Ordinal);
                Assert.DoesNotContain("drain did not finish", silo.Output, StringComparison.Ordinal);

                // Its trial was handed back before it exited.
                var show = await ShowAsync(cluster, cluster[peer], trial.Str("trial_id"));
                Assert.Contains($"attempt {trial.Int("attempt")}: released (its trainer was drained)", Attempts(show));
                drained.Add((trial.Str("trial_id"), trial.Int("attempt"), trial.Int("step")));

                clock.Restart();
                await cluster.StartSiloAsync(name, SiloStart);
                timings.Add($"{name} started again and ready in {clock.Elapsed.TotalSeconds:F1} s");
            }

            clock.Restart();
            var final = await WaitForStatusAsync(cluster, cluster["node-a"], sweepId, s => s.Str("state") == "completed", Training, "the sweep to complete");
            timings.Add($"sweep completed {clock.Elapsed.TotalSeconds:F1} s after the rollout");

            // Nothing lost: every trial completed, no attempt lost or failed; every drained attempt resumed from the
            // checkpoint its drain wrote (at or after the step it had reported).
            var trials = final.GetProperty("trials").EnumerateArray().ToList();
            var trialIds = TrialIds(final);
            Assert.Equal(4, trials.Count);
            foreach (var t in trials)
            {
                var show = await ShowAsync(cluster, cluster["node-a"], t.Str("trial_id"));
                var attempts = Attempts(show);
                var history = $"{t}\nattempts:\n{string.Join('\n', attempts)}";
                Assert.True(t.Str("state") == "completed" && t.Int("trial_failures") == 0, history);
                Assert.DoesNotContain(attempts, a => a.Contains(": lost", StringComparison.Ordinal) || a.Contains(": failed", StringComparison.Ordinal));
                var released = attempts.Where(a => a.EndsWith(": released (its trainer was drained)", StringComparison.Ordinal)).ToList();
                Assert.True(t.Int("infrastructure_retries") == released.Count && t.Int("attempt") == released.Count + 1, history);
                var resumedAt = ResumedSteps(attempts, null);
                Assert.True(resumedAt.Count == released.Count && resumedAt.All(s => s > 0 && s < Steps), history);
                foreach (var (trialId, attempt, step) in drained.Where(d => d.TrialId == t.Str("trial_id")))
                {
                    var line = attempts.SingleOrDefault(a => a.StartsWith($"attempt {attempt + 1}: resumed from the checkpoint at step ", StringComparison.Ordinal));
                    Assert.True(line is not null && int.Parse(line.Split(' ')[^1], CultureInfo.InvariantCulture) >= step, $"drained at step {step}:\n{history}");
                }

                // Nothing run twice to completion.
                AssertCompletedOnce(show, cluster);
                AssertTargetModules(show.GetProperty("spec"));
            }

            AssertEachTrialFinishedOnce(cluster, trialIds);
            var results = await ResultsAsync(cluster, cluster["node-b"], sweepId, "results");
            Assert.Equal(trialIds.Order(StringComparer.Ordinal), results.EnumerateArray().Select(r => r.Str("trial_id")).Order(StringComparer.Ordinal));
            Assert.All(results.EnumerateArray(), r => Assert.True(r.Str("state") == "completed" && r.Long("trainable_params_after") == LoraParameters, r.ToString()));

            var clusterInfo = await CliJsonAsync(cluster, cluster["node-b"], "cluster", "--format", "json");
            Assert.True(clusterInfo.Int("queued") == 0 && clusterInfo.Int("running") == 0, clusterInfo.ToString());
        }
        catch
        {
            LogCluster(cluster);
            throw;
        }
        finally
        {
            foreach (var t in timings)
            {
                Log.WriteLine($"timing: {t}");
            }
        }

        await cluster.DisposeAndAssertNothingLeftAsync();
    }

    /// <summary>LoRA parameters of rank 4 on q_proj and v_proj of the 5 layers.</summary>
    private static long LoraParameters => Stories260K.Parameters(
        Enumerable.Range(0, Stories260K.Layers).SelectMany(l => ExpectedModules.Select(m => new KeyValuePair<string, int>($"model.layers.{l}.self_attn.{m}", 4))));

    /// <summary>Runs <c>alora</c> against the cluster through <paramref name="via"/>'s gateway (ALORA_GATEWAY, ALORA_CLUSTER_ID).</summary>
    private async Task<CliResult> CliAsync(RedisCluster cluster, SiloProcess via, params string[] args)
    {
        var result = await AloraCli.RunAsync(Workspace.Root, Command, cluster.ClientEnvironment(via), args);
        Log.WriteLine($"[{DateTime.Now:HH:mm:ss.f}] alora {result.CommandLine} (via {via.Name}) -> {result.ExitCode} in {result.Elapsed.TotalSeconds:F1} s");
        return result;
    }

    /// <summary>Runs <c>alora ... --format json</c>, asserts exit code 0 and returns the document.</summary>
    private async Task<JsonElement> CliJsonAsync(RedisCluster cluster, SiloProcess via, params string[] args)
    {
        var result = await CliAsync(cluster, via, args);
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonOutput.Document(result);
    }

    private Task<JsonElement> StatusAsync(RedisCluster cluster, SiloProcess via, string sweepId) =>
        CliJsonAsync(cluster, via, "status", sweepId, "--format", "json");

    private Task<JsonElement> ShowAsync(RedisCluster cluster, SiloProcess via, string trialId) =>
        CliJsonAsync(cluster, via, "show", trialId, "--format", "json");

    /// <summary>The rows of <c>alora results SWEEP --format json</c>.</summary>
    private async Task<JsonElement> ResultsAsync(RedisCluster cluster, SiloProcess via, string sweepId, string outFolder) =>
        (await CliJsonAsync(cluster, via, "results", sweepId, "--out", Workspace.PathOf(outFolder), "--format", "json")).GetProperty("rows");

    /// <summary>
    /// Polls <c>alora status SWEEP --format json</c> through <paramref name="via"/> until <paramref name="condition"/>
    /// holds. A failed call is tried again (while a silo is being declared dead, calls to grains it hosted fail); the
    /// wait fails at the deadline with the last answer and the silos' output.
    /// </summary>
    private async Task<JsonElement> WaitForStatusAsync(RedisCluster cluster, SiloProcess via, string sweepId, Func<JsonElement, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = "";
        while (true)
        {
            Assert.False(via.HasExited, $"silo {via.Name} exited while waiting for {what}:\n{cluster.Output()}");
            var result = await AloraCli.RunAsync(Workspace.Root, Command, cluster.ClientEnvironment(via), "status", sweepId, "--format", "json");
            if (result.ExitCode == 0)
            {
                var status = JsonOutput.Document(result);
                if (condition(status))
                {
                    Log.WriteLine($"[{DateTime.Now:HH:mm:ss.f}] {what}: {Summary(status)}");
                    return status;
                }

                last = status.ToString();
            }
            else
            {
                Log.WriteLine($"[{DateTime.Now:HH:mm:ss.f}] alora status (via {via.Name}) -> {result.ExitCode}: {result.Stderr.Trim()}");
                last = result.ToString();
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"{what} did not happen within {timeout}; last answer:\n{last}\n{cluster.Output()}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>What must survive a restart of the whole cluster: the sweep's status, its results, each trial's details, and its line in the sweep list.</summary>
    private async Task<Snapshot> SnapshotAsync(RedisCluster cluster, SiloProcess via, string sweepId, IReadOnlyList<string> trialIds, string outFolder)
    {
        var status = await StatusAsync(cluster, via, sweepId);
        var results = await ResultsAsync(cluster, via, sweepId, outFolder);
        var shows = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var id in trialIds)
        {
            shows[id] = await ShowAsync(cluster, via, id);
        }

        var list = await CliJsonAsync(cluster, via, "status", "--format", "json");
        var entry = list.EnumerateArray().Where(s => s.Str("sweep_id") == sweepId).ToList();
        Assert.True(entry.Count == 1, $"alora status lists the sweep once:\n{list}");
        return new Snapshot(status, results, shows, entry[0]);
    }

    private static void AssertSameJson(string what, JsonElement before, JsonElement after) =>
        Assert.True(before.GetRawText() == after.GetRawText(), $"{what} changed across the restart:\n--- before ---\n{before}\n--- after ---\n{after}");

    /// <summary>The trial spec lists exactly q_proj and v_proj, in model order.</summary>
    private static void AssertTargetModules(JsonElement trialSpec) =>
        Assert.Equal(ExpectedModules, trialSpec.GetProperty("lora").GetProperty("target_modules").EnumerateArray().Select(m => m.GetString()));

    /// <summary>A trial completed in exactly one attempt, with a whole loss history (every step finite) and an allocation over q_proj and v_proj only.</summary>
    private static void AssertCompletedOnce(JsonElement show, RedisCluster cluster)
    {
        var attempts = Attempts(show);
        var history = $"attempts:\n{string.Join('\n', attempts)}";
        Assert.True(attempts.Count(a => CompletedLine().IsMatch(a)) == 1, history);
        Assert.DoesNotContain(attempts, a => a.Contains("adapter weights have no tensor", StringComparison.Ordinal));
        var losses = show.GetProperty("step_losses").EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Number ? e.GetDouble() : double.NaN).ToList();
        Assert.True(losses.Count == Steps && losses.All(double.IsFinite), $"step losses ({losses.Count}): {string.Join(", ", losses)}\n{history}");
        var result = show.GetProperty("status").GetProperty("result");
        Assert.Equal(Steps, result.Int("steps"));
        var allocation = result.GetProperty("final_allocation").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        Assert.All(allocation.Keys, k => Assert.Contains(k[(k.LastIndexOf('.') + 1)..], ExpectedModules));
        Assert.Equal(Stories260K.Parameters(allocation), result.Long("final_trainable_parameters"));
        Assert.Equal(LoraParameters, result.Long("initial_trainable_parameters"));
        Assert.DoesNotContain("adapter weights have no tensor", cluster.Output(int.MaxValue), StringComparison.Ordinal);
    }

    /// <summary>The exported adapter is in the shared checkpoint folder and adapts q_proj and v_proj only.</summary>
    private static void AssertAdapter(JsonElement show, RedisCluster cluster)
    {
        var directory = show.GetProperty("status").GetProperty("result").Str("adapter_directory");
        Assert.StartsWith(Path.GetFullPath(cluster.Checkpoints) + Path.DirectorySeparatorChar, Path.GetFullPath(directory));
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "adapter_config.json")));
        Assert.Equal(ExpectedModules, config.RootElement.GetProperty("target_modules").EnumerateArray().Select(m => m.GetString()));
        var tensors = SafeTensorNames(Path.Combine(directory, "adapter_model.safetensors"));
        Assert.NotEmpty(tensors);
        Assert.All(tensors, n => Assert.Matches(@"\.(q_proj|v_proj)\.lora_[AB]\.weight$", n));
        Assert.All(ExpectedModules, m => Assert.Contains(tensors, n => n.Contains($".{m}.lora_A.", StringComparison.Ordinal)));
    }

    /// <summary>Across every silo process of the test, each trial's training finished exactly once.</summary>
    private static void AssertEachTrialFinishedOnce(RedisCluster cluster, IReadOnlyList<string> trialIds)
    {
        var output = cluster.Output(int.MaxValue);
        foreach (var id in trialIds)
        {
            var finished = Lines(output, l => l.Contains($"Trial {id} attempt ", StringComparison.Ordinal) && l.Contains(": finished after ", StringComparison.Ordinal)).ToList();
            Assert.True(finished.Count == 1, $"{id} finished {finished.Count} times:\n{string.Join('\n', finished)}");
        }
    }

    /// <summary>Tensor names in a safetensors file's header.</summary>
    private static List<string> SafeTensorNames(string path)
    {
        using var file = File.OpenRead(path);
        Span<byte> length = stackalloc byte[8];
        file.ReadExactly(length);
        var header = new byte[checked((int)BitConverter.ToUInt64(length))];
        file.ReadExactly(header);
        using var json = JsonDocument.Parse(header);
        return [.. json.RootElement.EnumerateObject().Select(p => p.Name).Where(n => n != "__metadata__")];
    }

    private static List<string> TrialIds(JsonElement status) => [.. status.GetProperty("trials").EnumerateArray().Select(t => t.Str("trial_id"))];

    private static JsonElement? Trial(JsonElement status, string method) =>
        status.GetProperty("trials").EnumerateArray().Where(t => t.Str("method") == method).Select(t => (JsonElement?)t).SingleOrDefault();

    /// <summary>The trial running on the silo <paramref name="silo"/>, if any.</summary>
    private static JsonElement? RunningOn(JsonElement status, string silo) =>
        status.GetProperty("trials").EnumerateArray().Where(t => t.Str("state") == "running" && SiloOf(t) == silo).Select(t => (JsonElement?)t).FirstOrDefault();

    /// <summary>The silo name of a trial's trainer (<c>node-a/cpu:0@127.0.0.1:port@generation</c>).</summary>
    private static string? SiloOf(JsonElement trial) => trial.GetProperty("trainer").GetString()?.Split('/')[0];

    private static List<string> Attempts(JsonElement show) => [.. show.GetProperty("attempts").EnumerateArray().Select(a => a.GetString()!)];

    /// <summary>The steps of the "resumed from the checkpoint at step N" lines (of attempt <paramref name="attempt"/>, or all).</summary>
    private static List<int> ResumedSteps(IEnumerable<string> attempts, int? attempt) =>
    [
        .. attempts.Select(a => ResumedLine().Match(a))
            .Where(m => m.Success && (attempt is null || m.Groups["attempt"].Value == attempt.Value.ToString(CultureInfo.InvariantCulture)))
            .Select(m => int.Parse(m.Groups["step"].Value, CultureInfo.InvariantCulture)),
    ];

    private static IEnumerable<string> Lines(string text, Func<string, bool> match) => text.Split('\n').Where(match).Select(l => l.TrimEnd());

    /// <summary>A log line as "HH:mm:ss message" (without the category), at most 160 characters.</summary>
    private static string Short(string line)
    {
        var message = line.IndexOf("] ", StringComparison.Ordinal) is var at and > 0 ? $"{line[..8]} {line[(at + 2)..]}" : line;
        return message.Length > 160 ? message[..160] + "..." : message;
    }

    private static string Summary(JsonElement status) => $"{status.Str("state")}: " + string.Join(", ", status.GetProperty("trials").EnumerateArray().Select(t =>
        $"{t.Str("trial_id")[^6..]} {t.Str("method")} {t.Str("state")} #{t.Int("attempt")} {SiloOf(t) ?? "-"} {t.Int("step")}"));

    private void LogCluster(RedisCluster cluster)
    {
        Log.WriteLine(cluster.Output());
    }

    [GeneratedRegex(@"^attempt (?<attempt>\d+): resumed from the checkpoint at step (?<step>\d+)$")]
    private static partial Regex ResumedLine();

    [GeneratedRegex(@"^attempt \d+: completed ")]
    private static partial Regex CompletedLine();

    private sealed record Snapshot(JsonElement Status, JsonElement Results, Dictionary<string, JsonElement> Shows, JsonElement ListEntry);
}
