using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ALoRA.Grains.Simulation;
using ALoRA.Sweeps;

namespace ALoRA.Benchmarks;

/// <summary>
/// Issue 14's cluster simulation (<c>make bench ARGS="--preset cluster-sim"</c>, docs/operations.md, "The simulated engine"): 4 real
/// <c>alora-silo</c> processes x 16 simulated devices (<c>cuda:0</c>-<c>cuda:15</c>, 80 GiB each), Redis clustering and
/// Redis grain storage on a private redis-server, one shared checkpoint folder, the simulated engine
/// (<c>Alora:Simulation</c>), and a 500-trial LLaMA-7B sweep submitted with the real <c>alora</c> CLI; silo 2 is killed
/// (SIGKILL) at 30 % of the expected run and silo 3 at 60 %, each started again under the same name at once (as Kubernetes
/// restarts a killed container) or after an outage of <c>outageMinutes</c> simulated minutes; the restart's own wall time
/// (process start until <c>/health/ready</c>) counts as measured, times the time scale. The JSON's <c>cluster_sim</c> fields, all from the engine's attempt records
/// (<see cref="SimulatedAttemptRecord"/>, one per attempt in the shared checkpoint folder) and the final status:
/// <list type="bullet">
/// <item><c>devices</c>: devices in the cluster (64); <c>trials</c>: trials of the sweep (500).</item>
/// <item><c>makespan_over_ideal</c>: makespan / ideal, where makespan = simulated time from the submit's answer to the
/// end of the last attempt (wall seconds x <c>Alora:Simulation:TimeScale</c>), and ideal = total simulated work /
/// devices, the work of a trial being its straight one-attempt run (<see cref="SimulatedTrialPlan.AttemptSeconds"/>:
/// the model load, every step, evaluation, allocation round and checkpoint).</item>
/// <item><c>idle_share</c>: 1 - busy / (devices x makespan), busy being the device time inside attempts (an attempt
/// killed with its silo ends at the kill): the share of the cluster's device time with nothing running (scheduling
/// gaps, the restarts' downtime, the tail).</item>
/// <item><c>scheduling_ms_per_trial</c>: the mean wall-clock gap, in ms, between the end of an attempt and the start of
/// the next attempt on the same device of the same silo process (the hand-over: release, request, begin attempt).</item>
/// <item><c>lost_trials</c>: trials not <c>completed</c> when the sweep ends; <c>duplicate_results</c>: completed
/// attempts beyond one per trial (a trial trained to its end twice).</item>
/// <item><c>asha</c>: <c>device_hours_saved</c> (1 - busy of the same sweep with a <c>scheduler: {type: asha, ...}</c>
/// block / busy without) and <c>best_kept</c> (the trial with the best dev loss when every trial runs to its end, from
/// the loss curves, ran to its last step with ASHA); <c>packing</c>: <c>makespan_over_unpacked</c> (makespan with 2 slots per device
/// / makespan with 1). Each is a second run of the same sweep, with <see cref="AshaBlock"/> in the spec or
/// <see cref="SlotsSetting"/> = 2 on every silo, under the same kills; null when left out (<c>--no-asha</c>,
/// <c>--no-packing</c>).</item>
/// </list>
/// The <c>breakdown</c> object says where the gap to the ideal goes, in device-hours: <c>device_hours_down</c> (the killed
/// silos' devices from the kill until the restarted silo is ready), <c>device_hours_redone_after_kills</c> (attempts of
/// the trials that failed over, beyond their work: steps after the last checkpoint, the second model load),
/// <c>device_hours_late</c> (one-attempt trials that took longer than modelled: device threads woken late on a loaded
/// machine, the result written), <c>device_hours_handover</c>, and <c>device_hours_tail</c> (devices idle after their
/// last attempt while others still run, the last of 500 / 64 rounds of trials among them); <c>lpt_over_ideal</c> is the
/// longest-first schedule of the trials without overheads over the ideal, the part of the gap whole trials leave. Needs
/// the silo and CLI built (<c>make build</c>) and <c>redis-server</c>.
/// </summary>
public static class ClusterSimBenchmark
{
    /// <summary>Silos of the cluster.</summary>
    public const int Silos = 4;

    /// <summary>Devices per silo.</summary>
    public const int DevicesPerSilo = 16;

    /// <summary>The sweep: LLaMA-7B, 5 seeds x 10 learning rates x 2 methods x 5 ranks = 500 trials of 1000 steps.</summary>
    public static string Spec(string model, string data, string? scheduler = null) => $$$"""
        id: cluster-sim
        model: {path: {{{model}}}, dtype: bfloat16}
        data: {{{data}}}
        task: sst2
        metric: dev_loss
        max_concurrent_trials: 500
        seeds: [1, 2, 3, 4, 5]
        method: {grid_search: [lora, alora]}
        lora: {r: {grid_search: [4, 8, 16, 32, 64]}}
        training:
          learning_rate: {grid_search: [1.0e-5, 2.0e-5, 5.0e-5, 1.0e-4, 2.0e-4, 3.0e-4, 5.0e-4, 1.0e-3, 2.0e-3, 3.0e-3]}
          batch_size: 64
          max_sequence_length: 512
          max_steps: 1000
          eval_every_steps: 100
          checkpoint_every_steps: 100
          gradient_checkpointing: true
          max_dev_examples: 500
        alora: {k1: 200steps, k2: 100steps, n_rounds: 4, scorer: hybrid, val_batch_size: 32}
        {{{scheduler ?? ""}}}
        """;

    /// <summary>The spec block of the ASHA run: stopping at rungs of 200, 600 steps, keeping the top third.</summary>
    public const string AshaBlock = "scheduler: {type: asha, metric: dev_loss, grace_period: 200steps, reduction_factor: 3}";

    /// <summary>The silo setting of the packing run: 2 slots per device.</summary>
    public const string SlotsSetting = "Alora__Trainers__Slots";

    /// <summary>Runs the preset and returns <c>{"cluster_sim": {...}, "breakdown": {...}, ...}</c>.</summary>
    /// <param name="targetWallSeconds">Wall seconds the ideal makespan is scaled to (sets the time scale).</param>
    /// <param name="kills">Kill and restart silos 2 and 3 (false: a control run without failures), in every run.</param>
    /// <param name="asha">Also run the sweep with <see cref="AshaBlock"/> and fill <c>asha</c>.</param>
    /// <param name="packing">Also run it with 2 slots per device (<see cref="SlotsSetting"/>) and fill <c>packing</c>.</param>
    /// <param name="outageMinutes">Simulated minutes a killed silo stays down before its process is started again (0: at once).</param>
    public static async Task<JsonObject> RunAsync(double targetWallSeconds = 150, bool kills = true, bool asha = false, bool packing = false, double outageMinutes = 0)
    {
        using var folder = TempDirectory.Create("cluster-sim");
        var model = Llama7BFolder.Create(folder.PathOf("llama-7b"));
        var data = Llama7BFolder.CreateData(folder.PathOf("data"), train: 20_000, validation: 872);
        var spec = Spec(model, data);

        // The ideal, from the same time model the silos use: it sets the time scale so the run takes about targetWallSeconds.
        var options = new SimulationOptions();
        var planner = new SimulatedTrainingEngine(options);
        var trials = SweepExpander.Expand(SweepSpecParser.Parse(spec)).Trials;
        var work = trials.Sum(t => planner.Plan(t).AttemptSeconds());
        var devices = Silos * DevicesPerSilo;
        var scale = Math.Round(work / devices / targetWallSeconds);
        var outage = TimeSpan.FromSeconds(outageMinutes * 60 / scale);
        var baseline = await RunClusterAsync(folder, "baseline", spec, scale, trials.Count, targetWallSeconds, kills, outage, null);
        var result = Measure(baseline, devices, trials.Count, scale);
        var summary = (JsonObject)result["cluster_sim"]!;
        if (asha)
        {
            var stopped = await RunClusterAsync(folder, "asha", Spec(model, data, AshaBlock), scale, trials.Count, targetWallSeconds, kills, outage, null);
            var best = trials.MinBy(t =>
            {
                var plan = planner.Plan(t);
                var curve = new SimulatedLossCurve(t);
                return Enumerable.Range(1, plan.TotalSteps).Where(plan.EvaluatesAt).Min(curve.DevLoss);
            })!;
            summary["asha"] = new JsonObject
            {
                ["device_hours_saved"] = Math.Round(1 - (Busy(stopped, scale) / Busy(baseline, scale)), 3),
                ["best_kept"] = stopped.Attempts.Any(a => a.TrialId == best.TrialId && a.Outcome == "completed" && a.EndStep == a.TotalSteps),
                ["best_trial"] = best.TrialId,
                ["stopped_trials"] = States(stopped).Count(s => s == "stopped"),
                ["lost_trials"] = States(stopped).Count(s => s is not ("completed" or "stopped")),
                ["duplicate_results"] = stopped.Attempts.Where(a => a.Outcome == "completed").GroupBy(a => a.TrialId).Sum(g => g.Count() - 1),
            };
        }

        if (packing)
        {
            var packed = await RunClusterAsync(folder, "packing", spec, scale, trials.Count, targetWallSeconds, kills, outage, new() { [SlotsSetting] = "2" });
            summary["packing"] = new JsonObject { ["makespan_over_unpacked"] = Math.Round(Makespan(packed, scale) / Makespan(baseline, scale), 3) };
        }

        result["sweep"] = $"LLaMA-7B (6.74e9 parameters, bfloat16), {trials.Count} trials: 5 seeds x 10 learning rates x lora/alora (hybrid scorer, 4 rounds) x r 4-64, 1000 steps of 64 x 512 tokens, gradient checkpointing";
        result["device"] = $"{options.DeviceFlops:0.###e0} FLOP/s at {options.Utilization} utilisation, {options.LoadSeconds} s load, {options.CheckpointSeconds} s per checkpoint";
        result["ideal_hours"] = Math.Round(work / devices / 3600, 2);
        result["lpt_over_ideal"] = Math.Round(LongestFirst(trials.Select(t => planner.Plan(t).AttemptSeconds()), devices) / (work / devices), 3);
        result["trial_hours_mean"] = Math.Round(work / trials.Count / 3600, 2);
        result["time_scale"] = scale;
        result["outage_minutes"] = outageMinutes;
        return result;
    }

    private sealed record ClusterRun(string Checkpoints, DateTimeOffset Submitted, Dictionary<int, DateTimeOffset> Killed, Dictionary<int, string> SiloOfProcess,
                                     JsonDocument Final, double DowntimeSeconds, double WallSeconds)
    {
        public List<SimulatedAttemptRecord> Attempts { get; } =
            [.. Directory.EnumerateDirectories(Checkpoints).SelectMany(SimulatedTrainingEngine.ReadAttempts)];

        /// <summary>When an attempt ended: its record's end, or the kill of its silo.</summary>
        public DateTimeOffset EndOf(SimulatedAttemptRecord a) =>
            a.Ended ?? (Killed.TryGetValue(a.ProcessId, out var k) ? k : throw new InvalidOperationException($"attempt {a.Attempt} of {a.TrialId} has no end and its silo was not killed"));
    }

    /// <summary>
    /// The makespan of the longest-first list schedule of <paramref name="works"/> on <paramref name="devices"/> with no
    /// overheads: what whole trials allow at best (within 4/3 of the optimum), against the ideal's divisible work.
    /// </summary>
    private static double LongestFirst(IEnumerable<double> works, int devices)
    {
        var free = new PriorityQueue<int, double>(Enumerable.Range(0, devices).Select(d => (d, 0.0)));
        var makespan = 0.0;
        foreach (var w in works.OrderByDescending(w => w))
        {
            free.TryDequeue(out var device, out var at);
            makespan = Math.Max(makespan, at + w);
            free.Enqueue(device, at + w);
        }

        return makespan;
    }

    private static double Makespan(ClusterRun run, double scale) => (run.Attempts.Max(run.EndOf) - run.Submitted).TotalSeconds * scale;

    private static double Busy(ClusterRun run, double scale) => run.Attempts.Sum(a => (run.EndOf(a) - a.Started).TotalSeconds) * scale;

    private static async Task<ClusterRun> RunClusterAsync(TempDirectory root, string name, string spec, double scale, int trials, double targetWallSeconds, bool kills,
                                                          TimeSpan outage, Dictionary<string, string>? extraSettings)
    {
        Directory.CreateDirectory(root.PathOf(name));
        var folder = new RunFolder(root.PathOf(name));
        var specPath = folder.PathOf("cluster-sim.yaml");
        await File.WriteAllTextAsync(specPath, spec);
        await using var redis = await RedisServer.StartAsync(TimeSpan.FromSeconds(60));
        var clusterId = $"sim-{Guid.NewGuid().ToString("N")[..8]}";
        var checkpoints = folder.PathOf("shared-checkpoints");
        var names = Enumerable.Range(1, Silos).Select(i => $"sim-{i}").ToList();
        var ports = SiloPorts.FreeTcpPorts(3 * Silos);
        var nodes = names.Select((n, i) => (Name: n, Ports: new SiloPorts(ports[3 * i], ports[(3 * i) + 1], ports[(3 * i) + 2]), Data: folder.PathOf($"{n}-data"))).ToList();
        var settings = new Dictionary<string, string>
        {
            ["Alora__Silo__Clustering"] = "redis",
            ["Alora__Silo__Storage"] = "redis",
            ["Alora__Silo__RedisConnectionString"] = redis.ConnectionString,
            ["Alora__Silo__ClusterId"] = clusterId,
            ["Alora__Silo__ServiceId"] = clusterId,
            ["Alora__Silo__AdvertisedAddress"] = "127.0.0.1",
            ["Alora__Checkpoints__RootDirectory"] = checkpoints,
            ["Alora__Trainers__DeviceMemory"] = "80GiB",
            ["Alora__Simulation__Enabled"] = "true",
            ["Alora__Simulation__TimeScale"] = scale.ToString(CultureInfo.InvariantCulture),
            ["Alora__Simulation__ReportInterval"] = "00:00:00.250",
            ["Logging__LogLevel__ALoRA"] = "Warning",
            ["Logging__LogLevel__Orleans"] = "Warning",
        };
        for (var d = 0; d < DevicesPerSilo; d++)
        {
            settings[$"Alora__Trainers__Devices__{d}"] = $"cuda:{d}";
        }

        foreach (var (key, value) in extraSettings ?? [])
        {
            settings[key] = value;
        }

        var current = new Dictionary<string, SiloProcess>(StringComparer.Ordinal);
        var all = new List<SiloProcess>();
        var siloOf = new Dictionary<int, string>();
        async Task StartAsync((string Name, SiloPorts Ports, string Data) node)
        {
            var silo = SiloProcess.Start(node.Name, node.Ports, node.Data, folder.Path, settings);
            lock (all)
            {
                all.Add(silo);
                current[node.Name] = silo;
                siloOf[silo.Id] = node.Name;
            }

            await silo.WaitReadyAsync(TimeSpan.FromMinutes(3));
        }

        try
        {
            await Task.WhenAll(nodes.Select(StartAsync));
            var client = new Dictionary<string, string> { ["ALORA_CLUSTER_ID"] = clusterId, ["ALORA_SERVICE_ID"] = clusterId };
            var gateway = nodes[0].Ports.Gateway; // silo 1 is never killed
            var submit = await AloraCli.RunAsync(folder.Path, TimeSpan.FromMinutes(5), client, "submit", specPath, "--gateway", gateway, "--format", "json");
            var submitted = DateTimeOffset.UtcNow;
            if (submit.ExitCode != 0)
            {
                throw new InvalidOperationException($"alora submit failed: {submit}");
            }

            var wall = Stopwatch.StartNew();
            var killed = new Dictionary<int, DateTimeOffset>();
            var downtime = 0.0;
            foreach (var (victim, at) in kills ? new[] { (1, 0.3), (2, 0.6) } : [])
            {
                var wait = TimeSpan.FromSeconds(at * targetWallSeconds) - wall.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait);
                }

                var silo = current[nodes[victim].Name];
                killed[silo.Id] = DateTimeOffset.UtcNow;
                await silo.KillAsync();
                var down = Stopwatch.StartNew();
                await Task.Delay(outage);
                await StartAsync(nodes[victim]);
                downtime += down.Elapsed.TotalSeconds; // until the restarted silo is ready (its trainers registered)
            }

            // Done when the sweep says so (every trial completed, or stopped early in the ASHA run) and every trial's
            // latest attempt has its end on disk (a stopped attempt writes it as its job winds down).
            var deadline = Stopwatch.StartNew();
            JsonDocument final;
            while (true)
            {
                var status = await AloraCli.RunAsync(folder.Path, TimeSpan.FromMinutes(2), client, "status", "cluster-sim", "--gateway", gateway, "--format", "json");
                final = JsonDocument.Parse(status.Stdout);
                if (final.RootElement.GetProperty("state").GetString() is "completed" or "failed" || deadline.Elapsed > TimeSpan.FromMinutes(25))
                {
                    break;
                }

                final.Dispose();
                await Task.Delay(TimeSpan.FromSeconds(3));
            }

            var settle = Stopwatch.StartNew();
            while (Directory.Exists(checkpoints) && SettledTrials(checkpoints) < trials && settle.Elapsed < TimeSpan.FromMinutes(1))
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
            }

            return new ClusterRun(checkpoints, submitted, killed, siloOf, final, downtime, wall.Elapsed.TotalSeconds);
        }
        catch
        {
            foreach (var silo in all)
            {
                var output = silo.Output;
                await Console.Error.WriteLineAsync($"--- silo {silo.Name} (pid {silo.Id}) ---\n{(output.Length > 4000 ? output[^4000..] : output)}");
            }

            throw;
        }
        finally
        {
            foreach (var silo in all)
            {
                await silo.DisposeAsync();
            }
        }
    }

    /// <summary>One run's folder (its silos' data, the shared checkpoints, the spec).</summary>
    private sealed record RunFolder(string Path)
    {
        public string PathOf(string name) => System.IO.Path.Combine(Path, name);
    }

    /// <summary>Each trial's state at the end of <paramref name="run"/>, as <c>alora status</c> gave it.</summary>
    private static List<string?> States(ClusterRun run) =>
        [.. run.Final.RootElement.GetProperty("trials").EnumerateArray().Select(t => t.GetProperty("state").GetString())];

    /// <summary>Trials whose latest attempt has ended on disk (one killed with its silo never does; a later one follows).</summary>
    private static int SettledTrials(string checkpoints) =>
        Directory.EnumerateDirectories(checkpoints).Count(t => SimulatedTrainingEngine.ReadAttempts(t).MaxBy(a => a.Started) is { Ended: not null });

    private static JsonObject Measure(ClusterRun run, int devices, int trials, double scale)
    {
        var attempts = run.Attempts;
        var EndOf = run.EndOf;
        var end = attempts.Max(EndOf);
        var makespan = Makespan(run, scale);
        var work = attempts.GroupBy(a => a.TrialId).Sum(g => g.First().TrialSeconds);
        var ideal = work / devices;
        var busy = Busy(run, scale);

        // Hand-overs: consecutive attempts on one device of one silo process.
        var gaps = attempts.GroupBy(a => (a.ProcessId, a.Device))
            .SelectMany(g =>
            {
                var ordered = g.OrderBy(a => a.Started).ToList();
                return ordered.Zip(ordered.Skip(1), (a, b) => (b.Started - EndOf(a)).TotalMilliseconds);
            })
            .ToList();

        var states = States(run);
        var completedAttempts = attempts.Where(a => a.Outcome == "completed").GroupBy(a => a.TrialId).ToList();
        var deviceHours = (double seconds) => Math.Round(seconds / 3600, 1);
        var byTrial = attempts.GroupBy(a => a.TrialId).ToList();

        // Wall ms by which one-attempt trials overran their modelled time; when the first attempts on each device started (simulated seconds).
        var late = byTrial.Where(g => g.Count() == 1).Select(g => ((EndOf(g.First()) - g.First().Started).TotalSeconds - (g.First().TrialSeconds / scale)) * 1000).ToList();
        var firstStarts = attempts.GroupBy(a => (a.ProcessId, a.Device)).Select(g => g.Min(a => a.Started)).Order().Take(devices).ToList();
        return new JsonObject
        {
            ["cluster_sim"] = new JsonObject
            {
                ["devices"] = devices,
                ["trials"] = trials,
                ["makespan_over_ideal"] = Math.Round(makespan / ideal, 3),
                ["idle_share"] = Math.Round(1 - (busy / (devices * makespan)), 3),
                ["scheduling_ms_per_trial"] = gaps.Count == 0 ? null : Math.Round(gaps.Average(), 1),
                ["lost_trials"] = trials - states.Count(s => s == "completed"),
                ["duplicate_results"] = completedAttempts.Sum(g => g.Count() - 1),
                ["asha"] = null,
                ["packing"] = null,
            },
            ["breakdown"] = new JsonObject
            {
                ["makespan_hours"] = Math.Round(makespan / 3600, 2),
                ["device_hours_total"] = deviceHours(devices * makespan),
                ["device_hours_work"] = deviceHours(work),
                ["device_hours_busy"] = deviceHours(busy),
                ["device_hours_redone_after_kills"] = deviceHours(byTrial.Where(g => g.Count() > 1).Sum(g => g.Sum(a => (EndOf(a) - a.Started).TotalSeconds) * scale - g.First().TrialSeconds)),
                ["device_hours_late"] = deviceHours(byTrial.Where(g => g.Count() == 1).Sum(g => ((EndOf(g.First()) - g.First().Started).TotalSeconds * scale) - g.First().TrialSeconds)),
                ["device_hours_down"] = deviceHours(run.DowntimeSeconds * scale * DevicesPerSilo),
                ["device_hours_handover"] = deviceHours(gaps.Sum() / 1000 * scale),
                ["device_hours_tail"] = deviceHours(attempts.GroupBy(a => (Silo: run.SiloOfProcess.GetValueOrDefault(a.ProcessId, "?"), a.Device))
                    .Sum(g => (end - g.Max(EndOf)).TotalSeconds) * scale),
                ["handover_ms_p50_p95_max"] = gaps.Count == 0 ? null : $"{Percentile(gaps, 0.5):F0} / {Percentile(gaps, 0.95):F0} / {gaps.Max():F0}",
                ["late_ms_p50_p95_max"] = late.Count == 0 ? null : $"{Percentile(late, 0.5):F0} / {Percentile(late, 0.95):F0} / {late.Max():F0}",
                ["first_starts_s_after_submit"] = $"{(firstStarts[0] - run.Submitted).TotalSeconds * scale:F0} / {(firstStarts[^1] - run.Submitted).TotalSeconds * scale:F0}",
                ["attempts"] = attempts.Count,
                ["attempts_killed"] = attempts.Count(a => a.Ended is null),
                ["sweep_state"] = run.Final.RootElement.GetProperty("state").GetString(),
                ["wall_s"] = Math.Round(run.WallSeconds, 1),
                ["silos_killed_and_restarted"] = run.Killed.Count,
                ["downtime_wall_s"] = Math.Round(run.DowntimeSeconds, 1),
            },
        };
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(p * sorted.Count))];
    }
}
