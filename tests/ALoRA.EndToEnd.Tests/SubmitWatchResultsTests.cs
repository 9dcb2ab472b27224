using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace ALoRA.EndToEnd.Tests;

/// <summary>
/// Issue 5, scenario 1: one <c>alora-silo</c> process (one CPU trainer) and the <c>alora</c> CLI as separate processes
/// on localhost: submit and watch a LoRA-against-ALoRA sweep to its end in JSON, then read it back with
/// <c>results</c>, <c>show</c>, <c>status</c> and <c>export</c>.
/// </summary>
public sealed class SubmitWatchResultsTests(ITestOutputHelper log) : EndToEndTest(log)
{
    private const int Steps = 12;
    private const int Rank = 4;
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public async Task SubmitWatch_ThenResultsShowStatusExport_AgainstARealSiloProcess()
    {
        var clock = Stopwatch.StartNew();
        var spec = Workspace.WriteSpec("lora-vs-alora.yaml", $$"""
            metric: test_accuracy
            mode: max
            max_concurrent_trials: 2
            seeds: [1]
            method: {grid_search: [lora, alora]}
            lora: {r: {{Rank}}}
            training: {learning_rate: 5.0e-3, batch_size: 16, max_steps: {{Steps}}, eval_every_steps: 6, checkpoint_every_steps: 6, max_sequence_length: 64, max_dev_examples: 16}
            alora: {k1: 4steps, k2: 4steps, n_rounds: 2, val_batch_size: 8}
            """);

        // The sweep id is derived from the spec; plan (no cluster) and submit must agree on it.
        var plan = JsonOutput.Document(await AloraOk("plan", spec, "--format", "json"));
        var sweepId = plan.Str("sweep_id");
        Assert.StartsWith("sw-", sweepId, StringComparison.Ordinal);
        var planned = plan.GetProperty("trials").EnumerateArray().ToList();
        Assert.Equal(["lora", "alora"], planned.Select(t => t.Str("method")));

        await using var silo = await SiloProcess.StartAsync("node-e2e", SiloPorts.Free(), Workspace.PathOf("silo-data"), Workspace.Root, SiloStart);
        Log.WriteLine($"[{DateTime.Now:HH:mm:ss}] silo ready after {clock.Elapsed.TotalSeconds:F0} s");
        var gateway = silo.Ports.Gateway;
        try
        {
            // submit --watch --format json: submit's answer, one event per line, the final status document.
            var submit = await Alora(Watch, "submit", spec, "--gateway", gateway, "--watch", "--format", "json");
            Assert.True(submit.ExitCode == 0, submit.ToString());
            var (header, events, final) = JsonOutput.WatchStream(submit, header: true);
            Assert.Equal(sweepId, header!.Value.Str("sweep_id"));
            Assert.Equal(2, header.Value.Int("trials"));
            Assert.Equal(0, header.Value.Int("duplicates"));
            Assert.Equal(0, header.Value.Int("reused"));
            Assert.False(header.Value.GetProperty("existing").GetBoolean());
            Assert.Contains($"sweep {sweepId} completed", submit.Stderr, StringComparison.Ordinal);

            var trialIds = planned.ToDictionary(t => t.Str("method"), t => t.Str("trial_id"));
            CheckEvents(events, trialIds, submit);
            CheckFinalStatus(final, sweepId, trialIds);

            // status SWEEP --format json: the same trials, finished, with the same results.
            var status = await StatusAsync(silo, sweepId);
            Assert.Equal(sweepId, status.Str("sweep_id"));
            Assert.Equal("completed", status.Str("state"));
            Assert.Equal("test_accuracy", status.Str("metric"));
            Assert.Equal("max", status.Str("mode"));
            foreach (var method in new[] { "lora", "alora" })
            {
                var a = JsonOutput.Trial(status, method);
                var b = JsonOutput.Trial(final, method);
                Assert.Equal(b.Str("trial_id"), a.Str("trial_id"));
                Assert.Equal("completed", a.Str("state"));
                Assert.Equal(b.GetProperty("result").Num("test_metric"), a.GetProperty("result").Num("test_metric"));
                Assert.Equal(b.GetProperty("result").Long("final_trainable_parameters"), a.GetProperty("result").Long("final_trainable_parameters"));
            }

            await CheckResultsAsync(gateway, sweepId, status);
            await CheckShowAsync(gateway, JsonOutput.Trial(status, "alora"), JsonOutput.Trial(status, "lora"));
            await CheckExportAsync(gateway, JsonOutput.Trial(status, "alora"), silo.DataDirectory);

            // Submitting the same spec again reuses the finished trials: nothing runs again.
            var again = await Alora(Watch, "submit", spec, "--gateway", gateway, "--watch", "--format", "json");
            Assert.True(again.ExitCode == 0, again.ToString());
            var (againHeader, _, againFinal) = JsonOutput.WatchStream(again, header: true);
            Assert.Equal(sweepId, againHeader!.Value.Str("sweep_id"));
            Assert.True(againHeader.Value.GetProperty("existing").GetBoolean(), again.ToString());
            Assert.Equal(2, againHeader.Value.Int("reused"));
            Assert.Equal("completed", againFinal.Str("state"));
            Assert.All(againFinal.GetProperty("trials").EnumerateArray(), t => Assert.Equal(1, t.Int("attempt")));

            // The overview: one sweep, completed, both trials done; and the trainer is free again.
            var all = JsonOutput.Document(await AloraOk("status", "--gateway", gateway, "--format", "json"));
            var row = Assert.Single(all.EnumerateArray());
            Assert.Equal(sweepId, row.Str("sweep_id"));
            Assert.Equal("completed", row.Str("state"));
            Assert.Equal(2, row.Int("trials"));
            Assert.Equal(2, row.Int("completed"));
            Assert.Equal(0, row.Int("queued") + row.Int("running") + row.Int("failed") + row.Int("cancelled"));
            Log.WriteLine($"[{DateTime.Now:HH:mm:ss}] done in {clock.Elapsed.TotalSeconds:F0} s");
        }
        finally
        {
            LogSilo(silo);
        }
    }

    private static void CheckEvents(IReadOnlyList<JsonElement> events, Dictionary<string, string> trialIds, CliResult submit)
    {
        Assert.True(events.Count > 0, submit.ToString());
        var sequences = events.Select(e => e.Long("sequence")).ToList();
        Assert.True(sequences.Zip(sequences.Skip(1)).All(p => p.First < p.Second), $"sequence numbers not increasing: {string.Join(",", sequences)}");
        foreach (var e in events)
        {
            // Exactly one of the two.
            Assert.True(e.IsNull("progress") != e.IsNull("state_change"), e.ToString());
        }

        var changes = events.Where(e => !e.IsNull("state_change")).Select(e => e.GetProperty("state_change")).ToList();
        var progress = events.Where(e => !e.IsNull("progress")).Select(e => e.GetProperty("progress")).ToList();
        foreach (var (method, trialId) in trialIds)
        {
            var states = changes.Where(c => c.Str("trial_id") == trialId).Select(c => c.Str("state")).ToList();
            Assert.True(states.Contains("running") && states[^1] == "completed", $"{method}: state changes {string.Join(",", states)}");
            var mine = progress.Where(p => p.Str("trial_id") == trialId).ToList();
            Assert.All(mine, p => Assert.Equal(1, p.Int("attempt")));
            Assert.Contains(mine, p => p.Str("kind") == "started" && p.Int("step") == 0);
            var steps = mine.Where(p => p.Str("kind") == "step").ToList();
            Assert.Equal(Enumerable.Range(1, Steps), steps.Select(p => p.Int("step")).Order());
            Assert.All(steps, p => Assert.Equal(Steps, p.Int("total_steps")));
            Assert.All(steps, p => Assert.True(double.IsFinite(p.Num("loss")) && p.Num("loss") > 0, p.ToString()));
            Assert.Contains(mine, p => p.Str("kind") == "evaluation" && p.Int("step") == Steps);
            var rounds = mine.Where(p => p.Str("kind") == "allocation_round").Select(p => p.GetProperty("round")).ToList();
            if (method == "alora")
            {
                Assert.Equal([(1, 4), (2, 8)], rounds.Select(r => (r.Int("round"), r.Int("step"))));
                Assert.All(rounds, r => Assert.Equal(Rank * Stories260K.Layers * 7, r.GetProperty("scores").GetArrayLength()));
            }
            else
            {
                Assert.Empty(rounds);
            }
        }
    }

    private static void CheckFinalStatus(JsonElement final, string sweepId, Dictionary<string, string> trialIds)
    {
        Assert.Equal(sweepId, final.Str("sweep_id"));
        Assert.Equal("completed", final.Str("state"));
        Assert.Equal(2, final.GetProperty("trials").GetArrayLength());
        foreach (var (method, trialId) in trialIds)
        {
            var t = JsonOutput.Trial(final, method);
            Assert.Equal(trialId, t.Str("trial_id"));
            Assert.Equal(sweepId, t.Str("sweep_id"));
            Assert.Equal(method == "lora" ? 0 : 1, t.Int("index"));
            Assert.Equal(1, t.Long("seed"));
            Assert.Equal(method, t.GetProperty("search_values").Str("method"));
            Assert.Equal("completed", t.Str("state"));
            Assert.Equal(1, t.Int("attempt"));
            Assert.StartsWith("node-e2e/cpu:0@127.0.0.1:", t.Str("trainer"), StringComparison.Ordinal); // the trainer of the last attempt
            Assert.True(t.IsNull("error"), t.ToString());
            Assert.Equal(Steps, t.Int("step"));
            Assert.Equal(Steps, t.Int("total_steps"));
            Assert.Equal(method == "alora" ? 2 : 0, t.Int("rounds"));
            Assert.Equal(0, t.Int("infrastructure_retries"));
            Assert.Equal(0, t.Int("trial_failures"));

            var r = t.GetProperty("result");
            Assert.Equal(method, r.Str("method"));
            Assert.Equal(Steps, r.Int("steps"));
            Assert.Equal(method == "alora" ? 2 : 0, r.Int("allocation_rounds"));
            Assert.InRange(r.Num("dev_metric"), 0, 1);
            Assert.InRange(r.Num("test_metric"), 0, 1);
            Assert.True(r.Num("test_loss") > 0 && double.IsFinite(r.Num("test_loss")), r.ToString());
            Assert.Equal(Stories260K.UniformLoraParameters(Rank), r.Long("initial_trainable_parameters"));
            var allocation = r.GetProperty("final_allocation").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
            Assert.Equal(Stories260K.Layers * 7, allocation.Count);
            Assert.Equal(Stories260K.Parameters(allocation), r.Long("final_trainable_parameters"));
            if (method == "lora")
            {
                Assert.All(allocation.Values, v => Assert.Equal(Rank, v));
            }
            else
            {
                Assert.InRange(allocation.Values.Sum(), 1, Rank * allocation.Count);
            }

            Assert.True(r.Num("wall_seconds") > 0 && r.Num("tokens_per_second") > 0, r.ToString());
            Assert.True(Directory.Exists(r.Str("adapter_directory")), r.ToString());
        }
    }

    private async Task CheckResultsAsync(string gateway, string sweepId, JsonElement status)
    {
        var outDir = Workspace.PathOf("results");
        var results = JsonOutput.Document(await AloraOk("results", sweepId, "--out", outDir, "--gateway", gateway, "--format", "json"));
        Assert.Equal(sweepId, results.Str("sweep_id"));
        Assert.Equal("test_accuracy", results.Str("metric"));
        Assert.Equal("max", results.Str("mode"));

        var rows = results.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal([1, 2], rows.Select(r => r.Int("rank")));
        Assert.True(
            rows[0].Num("metric_value") > rows[1].Num("metric_value")
            || (rows[0].Num("metric_value") == rows[1].Num("metric_value") && rows[0].Int("index") < rows[1].Int("index")),
            "rows not ranked by test accuracy (ties by index)");
        foreach (var row in rows)
        {
            var method = row.Str("method");
            var trial = JsonOutput.Trial(status, method);
            var result = trial.GetProperty("result");
            var allocation = result.GetProperty("final_allocation").EnumerateObject().Sum(p => p.Value.GetInt32());
            Assert.Equal(trial.Str("trial_id"), row.Str("trial_id"));
            Assert.Equal(trial.Int("index"), row.Int("index"));
            Assert.Equal(Rank, row.Int("lora_r"));
            Assert.Equal(7, row.Int("target_modules"));
            Assert.Equal(Rank * 7 * Stories260K.Layers, row.Int("initial_total_rank"));
            Assert.Equal(allocation, row.Int("final_total_rank"));
            Assert.Equal($"method={method}", row.Str("hyper_parameters"));
            Assert.Equal(method, row.GetProperty("search_values").Str("method"));
            Assert.Equal(1, row.Long("seed"));
            Assert.Equal(Stories260K.UniformLoraParameters(Rank), row.Long("trainable_params_before"));
            Assert.Equal(result.Long("final_trainable_parameters"), row.Long("trainable_params_after"));
            Assert.Equal(result.Num("test_metric"), row.Num("metric_value"));
            Assert.Equal(result.Num("test_metric"), row.Num("test_accuracy"));
            Assert.Equal(result.Num("dev_metric"), row.Num("dev_accuracy"));
            Assert.Equal(result.Num("test_loss"), row.Num("test_loss"));
            Assert.Equal(result.Num("wall_seconds"), row.Num("wall_seconds"));
            Assert.Equal("completed", row.Str("state"));
            Assert.True(row.IsNull("error"));
        }

        Assert.Equal(Stories260K.UniformLoraParameters(Rank), rows.Single(r => r.Str("method") == "lora").Long("trainable_params_after"));

        // Statistics across seeds: one seed, so one lora/alora pair; its difference is alora's test accuracy minus
        // lora's. The front holds the trials that no other beats on both accuracy and parameters.
        var lora = rows.Single(r => r.Str("method") == "lora");
        var alora = rows.Single(r => r.Str("method") == "alora");
        var comparison = results.GetProperty("comparisons")[0];
        Assert.Equal(("lora", "alora", "test_accuracy", 1), (comparison.Str("baseline"), comparison.Str("other"), comparison.Str("metric"), comparison.Int("pairs")));
        Assert.Equal(alora.Num("test_accuracy") - lora.Num("test_accuracy"), comparison.Num("mean_difference"), 12);
        Assert.Equal(comparison.Num("mean_difference"), comparison.Num("ci_lower"), 12);
        bool Dominates(JsonElement a, JsonElement b) =>
            a.Long("trainable_params_after") <= b.Long("trainable_params_after") && a.Num("test_accuracy") >= b.Num("test_accuracy")
            && (a.Long("trainable_params_after") < b.Long("trainable_params_after") || a.Num("test_accuracy") > b.Num("test_accuracy"));
        Assert.Equal(
            rows.Where(r => !rows.Any(q => Dominates(q, r))).Select(r => r.Str("trial_id")).Order(StringComparer.Ordinal),
            results.GetProperty("pareto_front").EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal));

        var expected = new[]
        {
            "results.csv", "results.json", "comparisons.csv", "allocation-000-lora-seed1.png", "allocation-001-alora-seed1.png", "metric-vs-parameters.png", "loss-curves.png",
        }.Select(f => Path.Combine(outDir, f)).ToList();
        var files = results.GetProperty("files").EnumerateArray().Select(f => f.GetString()!).ToList();
        Assert.Equal(expected.Order(StringComparer.Ordinal), files.Order(StringComparer.Ordinal));
        foreach (var png in files.Where(f => f.EndsWith(".png", StringComparison.Ordinal)))
        {
            var bytes = await File.ReadAllBytesAsync(png);
            Assert.True(bytes.Length > 1000 && bytes.AsSpan(0, 8).SequenceEqual(PngSignature), $"{png}: {bytes.Length} bytes, not a PNG");
        }

        var csv = (await File.ReadAllTextAsync(Path.Combine(outDir, "results.csv"))).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, csv.Length);
        Assert.StartsWith("rank,trial_id,index,method,", csv[0], StringComparison.Ordinal);
        Assert.StartsWith($"1,{rows[0].Str("trial_id")},", csv[1], StringComparison.Ordinal);
        Assert.StartsWith($"2,{rows[1].Str("trial_id")},", csv[2], StringComparison.Ordinal);

        using var written = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(outDir, "results.json")));
        Assert.Equal(sweepId, written.RootElement.Str("sweep_id"));
        Assert.Equal(rows.Select(r => r.Str("trial_id")), written.RootElement.GetProperty("trials").EnumerateArray().Select(t => t.Str("trial_id")));
        Assert.Equal(rows.Select(r => r.Num("metric_value")), written.RootElement.GetProperty("trials").EnumerateArray().Select(t => t.Num("metric_value")));
    }

    private async Task CheckShowAsync(string gateway, JsonElement alora, JsonElement lora)
    {
        var show = JsonOutput.Document(await AloraOk("show", alora.Str("trial_id"), "--gateway", gateway, "--format", "json"));
        var spec = show.GetProperty("spec");
        Assert.Equal(alora.Str("trial_id"), spec.Str("trial_id"));
        Assert.Equal(alora.Str("sweep_id"), spec.Str("sweep_id"));
        Assert.Equal("alora", spec.Str("method"));
        Assert.Equal("sst2", spec.Str("task"));
        Assert.Equal(Workspace.Model, spec.Str("model"));
        Assert.Equal(Workspace.Data, spec.Str("data"));
        Assert.Equal(Rank, spec.GetProperty("lora").Int("r"));
        Assert.Equal(2.0 * Rank, spec.GetProperty("lora").Num("lora_alpha"));
        Assert.Equal(7, spec.GetProperty("lora").GetProperty("target_modules").GetArrayLength());
        var training = spec.GetProperty("training");
        Assert.Equal(Steps, training.Int("max_steps"));
        Assert.Equal(16, training.Int("batch_size"));
        Assert.Equal(64, training.Int("max_sequence_length"));
        Assert.Equal(16, training.Int("max_dev_examples"));
        Assert.Equal(1, training.Long("seed"));
        var allocation = spec.GetProperty("allocation");
        Assert.Equal("4steps", allocation.Str("k1"));
        Assert.Equal("4steps", allocation.Str("k2"));
        Assert.Equal(2, allocation.Int("rounds"));
        Assert.Equal(7, allocation.Int("ranks_per_round"));
        Assert.Equal(8, allocation.Int("val_batch_size"));
        Assert.Equal("fast", allocation.Str("scorer"));
        Assert.Matches("^[0-9a-f]{12}$", spec.Str("config_hash"));
        Assert.Equal($"{spec.Str("sweep_id")}-{spec.Str("config_hash")}", spec.Str("trial_id"));

        Assert.Equal("completed", show.GetProperty("status").Str("state"));
        Assert.Equal(alora.GetProperty("result").Num("test_metric"), show.GetProperty("status").GetProperty("result").Num("test_metric"));
        var rounds = show.GetProperty("rounds").EnumerateArray().ToList();
        Assert.Equal([(1, 4), (2, 8)], rounds.Select(r => (r.Int("round"), r.Int("step"))));
        Assert.All(rounds, r => Assert.Equal(7, r.GetProperty("pruned").GetArrayLength()));
        Assert.All(rounds, r => Assert.Equal(Stories260K.Layers * 7, r.GetProperty("ranks_after").EnumerateObject().Count()));
        var losses = show.GetProperty("step_losses").EnumerateArray().Select(e => e.GetDouble()).ToList();
        Assert.Equal(Steps, losses.Count);
        Assert.All(losses, l => Assert.True(double.IsFinite(l) && l > 0, $"step loss {l}"));
        Assert.Contains(show.GetProperty("evaluations").EnumerateArray(), e => e.Int("step") == Steps);
        var attempts = show.GetProperty("attempts").EnumerateArray().Select(a => a.GetString()!).ToList();
        Assert.Contains(attempts, a => a.StartsWith("attempt 1 on node-e2e/cpu:0", StringComparison.Ordinal));
        Assert.Contains("attempt 1: training from step 0", attempts);
        Assert.Contains(attempts, a => a.StartsWith("attempt 1: completed", StringComparison.Ordinal));

        var showLora = JsonOutput.Document(await AloraOk("show", lora.Str("trial_id"), "--gateway", gateway, "--format", "json"));
        Assert.Equal("lora", showLora.GetProperty("spec").Str("method"));
        Assert.True(showLora.GetProperty("spec").IsNull("allocation"));
        Assert.Equal(0, showLora.GetProperty("rounds").GetArrayLength());
        Assert.Equal(Steps, showLora.GetProperty("step_losses").GetArrayLength());
    }

    private async Task CheckExportAsync(string gateway, JsonElement alora, string siloData)
    {
        var peft = Workspace.PathOf("peft");
        var export = await AloraOk("export", alora.Str("trial_id"), "--peft", peft, "--gateway", gateway);
        Assert.Contains($"exported {alora.Str("trial_id")} (alora,", export.Stderr, StringComparison.Ordinal);
        Assert.Equal("", export.Stdout);

        // The files came through the cluster byte for byte: hash the checkpoint store's copies directly.
        var stored = Directory.EnumerateDirectories(siloData, "adapter", SearchOption.AllDirectories)
            .Single(d => Path.GetFileName(Path.GetDirectoryName(d)) == alora.Str("trial_id"));
        Assert.Equal(
            Directory.GetFiles(stored).Select(f => (Path.GetFileName(f), Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))))).Order(),
            Directory.GetFiles(peft).Select(f => (Path.GetFileName(f), Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))))).Order());
        Assert.Contains("adapter_model.safetensors", Directory.GetFiles(peft).Select(Path.GetFileName));

        var allocation = alora.GetProperty("result").GetProperty("final_allocation").EnumerateObject()
            .Where(p => p.Value.GetInt32() > 0).ToDictionary(p => p.Name, p => p.Value.GetInt32());
        using var config = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(peft, "adapter_config.json")));
        Assert.Equal("LORA", config.RootElement.Str("peft_type"));
        Assert.Equal("CAUSAL_LM", config.RootElement.Str("task_type"));
        var rankPattern = config.RootElement.GetProperty("rank_pattern").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        Assert.Equal(allocation.OrderBy(kv => kv.Key, StringComparer.Ordinal), rankPattern.OrderBy(kv => kv.Key, StringComparer.Ordinal));

        // safetensors: 8-byte little-endian header length, then the JSON header naming every tensor with its shape.
        var bytes = await File.ReadAllBytesAsync(Path.Combine(peft, "adapter_model.safetensors"));
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, headerLength));
        var tensors = header.RootElement.EnumerateObject().Where(p => p.Name != "__metadata__")
            .ToDictionary(p => p.Name, p => p.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray());
        Assert.Equal(2 * allocation.Count, tensors.Count);
        foreach (var (path, rank) in allocation)
        {
            var (input, output) = Stories260K.Shape(path);
            Assert.Equal([rank, input], tensors[$"base_model.model.{path}.lora_A.weight"]);
            Assert.Equal([output, rank], tensors[$"base_model.model.{path}.lora_B.weight"]);
        }

        Assert.Equal(alora.GetProperty("result").Long("final_trainable_parameters"), tensors.Values.Sum(s => (long)s[0] * s[1]));
    }
}
