using System.Diagnostics;
using System.Globalization;
using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Grains;
using ALoRA.Abstractions.Trials;
using ALoRA.Engine.Runtime;
using ALoRA.Grains.Checkpoints;
using ALoRA.Grains.Hosting;
using ALoRA.Grains.Storage;
using ALoRA.Grains.Training;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.TestingHost;

namespace ALoRA.Benchmarks;

/// <summary>
/// Issue 4's load run: a 1000-trial sweep on 2 silos x 2 trainers (in-process cluster, file-backed grain storage on
/// disk) with an engine that does no training, so what is measured is the system's own cost: submission (parse,
/// expand, persist, initialise every experiment, queue), scheduling and bookkeeping per trial.
/// </summary>
public static class SweepLoadBenchmark
{
    /// <summary>Runs the sweep and returns the measurements.</summary>
    public static async Task<Dictionary<string, object>> RunAsync(string samples, int trials = 1000)
    {
        var dir = Directory.CreateTempSubdirectory("alora-load-").FullName;
        var engine = new InstantEngine();
        try
        {
            var builder = new InProcessTestClusterBuilder(2);
            builder.ConfigureSilo((_, silo) =>
            {
                silo.Services.AddSingleton<ITrainingEngine>(engine);
                silo.Services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
                silo.Services.Configure<CheckpointStoreOptions>(o => o.RootDirectory = Path.Combine(dir, "checkpoints"));
                silo.Services.Configure<AloraTrainerOptions>(o => { o.DiscoverCuda = false; o.Devices = ["cpu:0", "cpu:1"]; });
                silo.Services.Configure<AloraClusterOptions>(o => { o.SchedulerInterval = TimeSpan.FromMilliseconds(500); o.HeartbeatInterval = TimeSpan.FromSeconds(1); });
                silo.AddAloraFileGrainStorage(AloraStorageNames.State, o => o.RootDirectory = Path.Combine(dir, "state"));
                silo.AddAlora();
            });
            await using var cluster = builder.Build();
            await cluster.DeployAsync();
            var sweep = cluster.Client.GetGrain<ISweepCoordinatorGrain>("load");
            GC.Collect();
            var managedBefore = GC.GetTotalMemory(forceFullCollection: true);
            var rssBefore = ProcessMemory.ResidentBytes();

            var total = Stopwatch.StartNew();
            var submitted = await sweep.SubmitAsync(Spec(samples, trials), null);
            var submitSeconds = total.Elapsed.TotalSeconds;
            SweepStatus status;
            var polls = 0;
            do
            {
                await Task.Delay(250);
                status = await sweep.GetStatusAsync();
                polls++;
            }
            while (status.State != SweepState.Completed);

            var seconds = total.Elapsed.TotalSeconds;
            var statusTimer = Stopwatch.StartNew();
            status = await sweep.GetStatusAsync();
            var statusSeconds = statusTimer.Elapsed.TotalSeconds;
            GC.Collect();
            var managedAfter = GC.GetTotalMemory(forceFullCollection: true);
            return new Dictionary<string, object>
            {
                ["trials"] = submitted.Trials,
                ["silos_x_trainers"] = "2 x 2",
                ["engine"] = "no-op (1 step per trial)",
                ["submit_s"] = Math.Round(submitSeconds, 2),
                ["submit_ms_per_trial"] = Math.Round(submitSeconds * 1000 / submitted.Trials, 2),
                ["completed"] = status.Count(TrialState.Completed),
                ["runs"] = engine.Runs,
                ["wall_s"] = Math.Round(seconds, 2),
                ["trials_per_s"] = Math.Round(submitted.Trials / (seconds - submitSeconds), 1),
                ["overhead_ms_per_trial"] = Math.Round((seconds - submitSeconds) * 1000 * 4 / submitted.Trials, 1),
                ["overhead_note"] = "scheduling + attempt + progress + completion bookkeeping per trial, per trainer (4 trainers in parallel)",
                ["status_query_ms"] = Math.Round(statusSeconds * 1000, 1),
                ["status_polls"] = polls,
                ["managed_mb_before_after"] = $"{managedBefore / 1048576} / {managedAfter / 1048576}",
                ["rss_mb_before_after"] = $"{rssBefore / 1048576} / {ProcessMemory.ResidentBytes() / 1048576}",
                ["state_files"] = Directory.EnumerateFiles(Path.Combine(dir, "state"), "*.json", SearchOption.AllDirectories).Count(),
            };
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Spec(string samples, int trials)
    {
        var seeds = string.Join(", ", Enumerable.Range(1, trials / 20));
        var lrs = string.Join(", ", Enumerable.Range(1, 10).Select(i => (i * 1e-4).ToString("R", CultureInfo.InvariantCulture)));
        return $$"""
            id: load
            model: {{Path.Combine(samples, "models", "stories260K")}}
            data: {{Path.Combine(samples, "data", "sst2")}}
            task: sst2
            max_concurrent_trials: 1000
            seeds: [{{seeds}}]
            method: {grid_search: [lora, alora]}
            training: {learning_rate: {grid_search: [{{lrs}}]}, max_steps: 10}
            alora: {k1: 2steps, k2: 2steps, n_rounds: 2}
            """;
    }

    private sealed class InstantEngine : ITrainingEngine
    {
        private int _runs;

        public int Runs => _runs;

        public TrialResult Run(TrialAssignment assignment, TrialWorkspace workspace, string device, Action<TrialProgress> progress, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _runs);
            progress(new TrialProgress { TrialId = assignment.Spec.TrialId, Attempt = assignment.Attempt, Kind = TrialProgressKind.Started, TotalSteps = 1 });
            progress(new TrialProgress { TrialId = assignment.Spec.TrialId, Attempt = assignment.Attempt, Kind = TrialProgressKind.Step, Step = 1, TotalSteps = 1, Loss = 1 });
            return new TrialResult { Method = assignment.Spec.Method, DevMetric = 0.5, TestMetric = 0.5, Steps = 1 };
        }
    }
}
