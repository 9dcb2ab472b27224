using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace ALoRA.Benchmarks;

/// <summary>
/// Issue 12's largest submission: a sweep at the documented maximum (100,000 trials, a grid of seeds x learning rates)
/// submitted with the real <c>alora</c> CLI to a real <c>alora-silo</c> process that trains nothing (file storage, no
/// trainers), so every trial stays queued. Measures how long <c>alora submit</c> takes (it must answer within its 30 s
/// call timeout), how long until every trial is created and queued (<c>alora status</c> no longer says
/// <c>creating</c>), and how large the sweep's and the scheduler's records end up (the sweep's view holds every trial's
/// status in one record). Needs the silo and CLI built (<c>make build</c>).
/// </summary>
public static class SweepSubmitBenchmark
{
    /// <summary>Runs the submission of <paramref name="trials"/> trials (a multiple of 1000) and returns the measurements.</summary>
    public static async Task<Dictionary<string, object>> RunAsync(int trials = 100_000)
    {
        using var folder = TempDirectory.Create("submit-bench");
        var ports = SiloPorts.Free();
        var data = folder.PathOf("data");
        var noTrainers = new Dictionary<string, string> { ["Alora__Trainers__Devices__0"] = "", ["Alora__Trainers__CpuTrainers"] = "0", ["Logging__LogLevel__ALoRA"] = "Warning" };
        await using var silo = await SiloProcess.StartAsync("bench", ports, data, folder.Path, TimeSpan.FromMinutes(3), noTrainers);
        var spec = folder.PathOf("large.yaml");
        var lrs = string.Join(", ", Enumerable.Range(1, 1000).Select(i => (i * 1e-6).ToString("R", CultureInfo.InvariantCulture)));
        await File.WriteAllTextAsync(spec, $$"""
            id: large
            model: {{RepositoryPaths.Stories260K}}
            data: {{RepositoryPaths.Sst2}}
            task: sst2
            seeds: [{{string.Join(", ", Enumerable.Range(1, trials / 1000))}}]
            method: lora
            training: {learning_rate: {grid_search: [{{lrs}}]}, max_steps: 10}
            """);

        var total = Stopwatch.StartNew();
        var submit = await AloraCli.RunAsync(folder.Path, TimeSpan.FromMinutes(10), "submit", spec, "--gateway", ports.Gateway, "--format", "json");
        var submitSeconds = total.Elapsed.TotalSeconds;
        if (submit.ExitCode != 0)
        {
            var output = silo.Output;
            await Console.Error.WriteLineAsync($"alora submit failed after {submitSeconds:F1} s: {submit}\nsilo output (last 8000 characters):\n{(output.Length > 8000 ? output[^8000..] : output)}");
            throw new InvalidOperationException($"alora submit failed with exit code {submit.ExitCode}");
        }

        using var answer = JsonDocument.Parse(submit.Stdout);
        var state = "creating";
        var polls = 0;
        double slowestStatus = 0;
        while (state == "creating" && total.Elapsed < TimeSpan.FromMinutes(30))
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            var poll = Stopwatch.StartNew();
            var status = await AloraCli.RunAsync(folder.Path, TimeSpan.FromMinutes(2), "status", "--gateway", ports.Gateway, "--format", "json");
            slowestStatus = Math.Max(slowestStatus, poll.Elapsed.TotalSeconds);
            polls++;
            if (status.ExitCode != 0)
            {
                throw new InvalidOperationException($"alora status failed: {status}");
            }

            using var listed = JsonDocument.Parse(status.Stdout);
            state = listed.RootElement.EnumerateArray().Single(s => s.GetProperty("sweep_id").GetString() == "large").GetProperty("state").GetString()!;
        }

        var createdSeconds = total.Elapsed.TotalSeconds;
        var cluster = await AloraCli.RunAsync(folder.Path, TimeSpan.FromMinutes(2), "cluster", "--gateway", ports.Gateway, "--format", "json");
        using var queue = JsonDocument.Parse(cluster.Stdout);
        var stateFolder = Path.Combine(data, "state");
        return new Dictionary<string, object>
        {
            ["silo"] = "one alora-silo process, file storage, no trainers; the real alora CLI",
            ["trials"] = answer.RootElement.GetProperty("trials").GetInt32(),
            ["submit_exit_code"] = submit.ExitCode,
            ["submit_s"] = Math.Round(submitSeconds, 1),
            ["submit_answered_creating"] = answer.RootElement.GetProperty("creating").GetBoolean(),
            ["created_at_answer"] = answer.RootElement.GetProperty("created").GetInt32(),
            ["all_created_s"] = Math.Round(createdSeconds, 1),
            ["state_after"] = state,
            ["queued"] = queue.RootElement.GetProperty("queued").GetInt32(),
            ["status_polls"] = polls,
            ["slowest_status_list_s"] = Math.Round(slowestStatus, 2),
            ["sweep_record_mb"] = Math.Round(new FileInfo(Path.Combine(stateFolder, "sweep", "sweepcoordinator", "large.json")).Length / 1048576.0, 1),
            ["scheduler_record_mb"] = Math.Round(new FileInfo(Path.Combine(stateFolder, "scheduler", "scheduler", "default.json")).Length / 1048576.0, 1),
            ["experiment_records"] = Directory.EnumerateFiles(Path.Combine(stateFolder, "experiment"), "*.json", SearchOption.AllDirectories).Count(),
            ["silo_peak_rss_mb"] = PeakRss(silo.Id) / 1048576,
        };
    }

    private static long PeakRss(int pid)
    {
        using var process = Process.GetProcessById(pid);
        return process.PeakWorkingSet64;
    }
}
