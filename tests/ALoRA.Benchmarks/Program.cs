using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using ALoRA.Benchmarks;
using ALoRA.Engine.Runtime;

// alora benchmarks: prints one JSON object. Each preset, and one AB-LoRA scoring round (fast vs reference), runs in a
// child process of this program (so peak memory is per part); the GEMM baseline runs in this process.
// Usage: ALoRA.Benchmarks [--memory-steps N] [--preset tiny|small|scoring|scoring-tiny|scoring-small|precision [--sizes tiny,small]|checkpointing|scorer-agreement|alora-overhead [--batch-size N] [--skip-fast]|sweep-load|sweep-submit [--trials N]|cluster-sim [--wall-s N] [--outage-min N] [--no-kills] [--no-asha] [--no-packing]]
const int Threads = 2;
var memorySteps = args.SkipWhile(a => a != "--memory-steps").Skip(1).Select(int.Parse).FirstOrDefault(100);
var only = args.SkipWhile(a => a != "--preset").Skip(1).FirstOrDefault();
TorchRuntime.EnsureInitialized(Threads);

if (only == "scoring")
{
    Console.WriteLine(JsonSerializer.Serialize(ScoringBenchmark.Run(RepositoryPaths.Samples)));
    return 0;
}

if (only == "sweep-load")
{
    // Issues 4 and 10: a 1000-trial sweep with a no-op engine on 2 silos x 2 trainers, on file storage and then on Redis
    // clustering + storage (a private redis-server). Not part of the default run.
    Console.WriteLine(JsonSerializer.Serialize(await SweepLoadBenchmark.RunBothAsync(RepositoryPaths.Samples)));
    return 0;
}

if (only == "cluster-sim")
{
    // Issue 14: 4 silo processes x 16 simulated devices, a 500-trial LLaMA-7B sweep, two silos killed and restarted (docs/operations.md, "The simulated engine").
    // --wall-s N: wall seconds of the ideal makespan (default 150; sets the time scale); --no-kills: the control run without failures.
    var wall = args.SkipWhile(a => a != "--wall-s").Skip(1).Select(a => double.Parse(a, System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault(150);
    // --outage-min N: simulated minutes a killed silo stays down before it is started again (default 0: at once, as Kubernetes restarts a killed container).
    var outage = args.SkipWhile(a => a != "--outage-min").Skip(1).Select(a => double.Parse(a, System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault(0);
    // The ASHA run (a spec scheduler block) and the 2-slots run follow the baseline; --no-asha / --no-packing leave them out.
    Console.WriteLine((await ClusterSimBenchmark.RunAsync(wall, kills: !args.Contains("--no-kills"), asha: !args.Contains("--no-asha"), packing: !args.Contains("--no-packing"), outageMinutes: outage)).ToJsonString());
    return 0;
}

if (only == "sweep-submit")
{
    // Issue 12: a 100,000-trial sweep submitted with the real CLI to a real silo that trains nothing. Not part of the default run.
    var trials = args.SkipWhile(a => a != "--trials").Skip(1).Select(int.Parse).FirstOrDefault(100_000);
    Console.WriteLine(JsonSerializer.Serialize(await SweepSubmitBenchmark.RunAsync(trials)));
    return 0;
}

if (only == "precision")
{
    // Issue 13: the frozen base in float32 vs bfloat16 (step time, base bytes) on tiny and small (--sizes tiny,small), in one process.
    var sizes = args.SkipWhile(a => a != "--sizes").Skip(1).Select(a => a.Split(',')).FirstOrDefault();
    var precision = PrecisionBenchmark.Run(sizes);
    precision["checkpointing"] = CheckpointingBenchmark.Run(); // training.gradient_checkpointing off/on at sequence 512 on tiny
    Console.WriteLine(JsonSerializer.Serialize(precision));
    return 0;
}

if (only == "scorer-agreement")
{
    // Issue 13: approx and hybrid against the exact scorer, every round; --val-rows N sets |B_val| (default 32).
    Console.WriteLine(JsonSerializer.Serialize(ScorerAgreementBenchmark.Run(args.SkipWhile(a => a != "--val-rows").Skip(1).Select(int.Parse).FirstOrDefault(32))));
    return 0;
}

if (only == "alora-overhead")
{
    Console.WriteLine(JsonSerializer.Serialize(AloraOverheadBenchmark.Run(args.SkipWhile(a => a != "--batch-size").Skip(1).Select(int.Parse).FirstOrDefault(16), skipFast: args.Contains("--skip-fast")))); // issue 13: alora (each scorer) wall time over lora's
    return 0;
}

if (only == "checkpointing")
{
    // Issue 13: training.gradient_checkpointing off and on, step time and peak memory at sequence 512 on tiny.
    Console.WriteLine(CheckpointingBenchmark.Run().ToJsonString());
    return 0;
}

if (only == "scoring-tiny")
{
    // Issue 3: B_val 32 x 128 tokens on tiny, every rank.
    Console.WriteLine(JsonSerializer.Serialize(PresetScoringBenchmark.Run(Preset.All.Single(p => p.Name == "tiny"), 32, 128, null)));
    return 0;
}

if (only == "scoring-small")
{
    // Issue 3: B_val 32 x 64 tokens on small. The reference over all 448 ranks takes ~14 min here, so both paths score
    // layers 0 and 7 (all 7 module types, 112 ranks): their mean depth equals the model's, so the ratio carries over.
    Console.WriteLine(JsonSerializer.Serialize(PresetScoringBenchmark.Run(Preset.All.Single(p => p.Name == "small"), 32, 64, new HashSet<int> { 0, 7 })));
    return 0;
}

if (only is not null)
{
    var preset = Preset.All.Single(p => p.Name == only);
    Console.WriteLine(JsonSerializer.Serialize(PresetBenchmark.Run(preset, warmup: 3, measured: 10, memorySteps)));
    return 0;
}

var result = new JsonObject
{
    ["torch_threads"] = Threads,
    ["glibc_allocator_tuned"] = TorchRuntime.AllocatorTuned,
    ["machine"] = $"{Environment.ProcessorCount} cores, {Environment.OSVersion}",
    ["flops_formula"] = "per step = 2 x forward FLOPs (the frozen base needs no weight gradients); forward = 2 x multiply-adds of all projections, LoRA A/B, QK^T and AV (full, not causal-halved) and the LM head",
};
var gemm = PresetBenchmark.GemmGflops();
result["gemm_2048_fp32_gflops"] = Math.Round(gemm, 1);
foreach (var name in Preset.All.Select(p => p.Name).Concat(["scoring", "scoring-tiny", "scoring-small"]))
{
    var self = Environment.ProcessPath!;
    var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, UseShellExecute = false };
    if (Path.GetFileNameWithoutExtension(self) == "dotnet")
    {
        start.ArgumentList.Add(typeof(Preset).Assembly.Location);
    }

    foreach (var a in new[] { "--preset", name, "--memory-steps", memorySteps.ToString(System.Globalization.CultureInfo.InvariantCulture) })
    {
        start.ArgumentList.Add(a);
    }

    using var child = Process.Start(start)!;
    var output = child.StandardOutput.ReadToEnd();
    child.WaitForExit();
    if (child.ExitCode != 0)
    {
        Console.Error.WriteLine($"{name} failed with exit code {child.ExitCode}");
        return 1;
    }

    var node = JsonNode.Parse(output.Trim().Split('\n')[^1])!.AsObject();
    if (node["achieved_gflops"] is { } achieved)
    {
        node["fraction_of_gemm"] = Math.Round(achieved.GetValue<double>() / gemm, 3);
    }

    result[name switch { "scoring" => "scoring_round_stories260k", "scoring-tiny" => "scoring_round_tiny", "scoring-small" => "scoring_round_small", _ => name }] = node;
}

var tiny = result["tiny"]!;
var small = result["small"]!;
result["targets"] = new JsonObject
{
    ["small_training_at_least_65pct_of_gemm"] = small["fraction_of_gemm"]!.GetValue<double>() >= 0.65,
    ["tiny_step_at_most_2.4x_forward"] = tiny["step_over_forward"]!.GetValue<double>() <= 2.4,
    ["memory_100_within_10pct_of_10_tiny"] = Math.Abs(tiny[$"rss_growth_10_to_{memorySteps}"]!.GetValue<double>()) <= 0.10,
    ["memory_100_within_10pct_of_10_small"] = Math.Abs(small[$"rss_growth_10_to_{memorySteps}"]!.GetValue<double>()) <= 0.10,
    ["scoring_fast_at_least_3x_reference_tiny"] = result["scoring_round_tiny"]!["speedup"]!.GetValue<double>() >= 3.0,
    ["scoring_fast_at_least_1.5x_reference_small"] = result["scoring_round_small"]!["speedup"]!.GetValue<double>() >= 1.5,
};
Console.WriteLine(result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
return 0;
