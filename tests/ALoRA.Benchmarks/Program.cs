using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using ALoRA.Benchmarks;
using ALoRA.Engine.Runtime;

// alora benchmarks: prints one JSON object. Each preset, and one AB-LoRA scoring round (fast vs reference), runs in a
// child process of this program (so peak memory is per part); the GEMM baseline runs in this process.
// Usage: ALoRA.Benchmarks [--memory-steps N] [--preset tiny|small|scoring]
const int Threads = 2;
var memorySteps = args.SkipWhile(a => a != "--memory-steps").Skip(1).Select(int.Parse).FirstOrDefault(100);
var only = args.SkipWhile(a => a != "--preset").Skip(1).FirstOrDefault();
TorchRuntime.EnsureInitialized(Threads);

if (only == "scoring")
{
    Console.WriteLine(JsonSerializer.Serialize(ScoringBenchmark.Run(FindSamples())));
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
foreach (var name in Preset.All.Select(p => p.Name).Append("scoring"))
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

    result[name == "scoring" ? "scoring_round_stories260k" : name] = node;
}

var tiny = result["tiny"]!;
var small = result["small"]!;
result["targets"] = new JsonObject
{
    ["small_training_at_least_65pct_of_gemm"] = small["fraction_of_gemm"]!.GetValue<double>() >= 0.65,
    ["tiny_step_at_most_2.4x_forward"] = tiny["step_over_forward"]!.GetValue<double>() <= 2.4,
    ["memory_100_within_10pct_of_10_tiny"] = Math.Abs(tiny[$"rss_growth_10_to_{memorySteps}"]!.GetValue<double>()) <= 0.10,
    ["memory_100_within_10pct_of_10_small"] = Math.Abs(small[$"rss_growth_10_to_{memorySteps}"]!.GetValue<double>()) <= 0.10,
};
Console.WriteLine(result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
return 0;

static string FindSamples()
{
    for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
    {
        if (Directory.Exists(Path.Combine(dir.FullName, "samples", "models")))
        {
            return Path.Combine(dir.FullName, "samples");
        }
    }

    throw new DirectoryNotFoundException("run the benchmark from the repository (it needs samples/models/stories260K)");
}
