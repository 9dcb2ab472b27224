using System.Diagnostics;
using System.Globalization;
using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Grains;
using ALoRA.Abstractions.Trials;
using ALoRA.Engine.Runtime;
using ALoRA.Grains.Hosting;
using ALoRA.Grains.Training;
using ALoRA.Sweeps;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.TestingHost;
using StackExchange.Redis;

namespace ALoRA.Benchmarks;

/// <summary>
/// Issue 4's load run: a 1000-trial sweep on 2 silos x 2 trainers (in-process cluster) with an engine that does no
/// training, so what is measured is the system's own cost: submission (parse, expand, persist, initialise every
/// experiment, queue), scheduling and bookkeeping per trial. Either file-backed grain storage on disk with the test
/// cluster's own membership, or Redis clustering and Redis grain storage against a real <c>redis-server</c>.
/// </summary>
public static class SweepLoadBenchmark
{
    /// <summary>
    /// Runs the sweep on file storage, then on Redis (a private redis-server with the persistence of
    /// <c>k8s/base/redis.yaml</c>: append-only file, fsync every second), and compares them. A smaller file-storage run
    /// first warms up the JIT, so neither measured run pays for it.
    /// </summary>
    public static async Task<Dictionary<string, object>> RunBothAsync(string samples, int trials = 1000)
    {
        await RunAsync(samples, trials / 5, redis: null);
        var file = await RunAsync(samples, trials, redis: null);
        await using var server = await RedisServer.StartAsync(null, "--appendonly", "yes", "--appendfsync", "everysec");
        var redis = await RunAsync(samples, trials, server.ConnectionString);
        return new Dictionary<string, object>
        {
            ["file"] = file,
            ["redis"] = redis,
            ["redis_over_file_trials_per_s"] = Math.Round((double)redis["trials_per_s"] / (double)file["trials_per_s"], 2),
            ["redis_over_file_submit_s"] = Math.Round((double)redis["submit_s"] / (double)file["submit_s"], 2),
        };
    }

    /// <summary>Runs the sweep and returns the measurements; <paramref name="redis"/> null: file storage, else Redis clustering and storage there.</summary>
    public static async Task<Dictionary<string, object>> RunAsync(string samples, int trials, string? redis)
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
                if (redis is not null)
                {
                    silo.UseRedisClustering(r => r.ConfigurationOptions = ConfigurationOptions.Parse(redis));
                }

                silo.UseAloraSilo(new AloraSiloSetup
                {
                    DataDirectory = dir,
                    Storage = redis is null ? AloraStateStorage.File : AloraStateStorage.Redis,
                    RedisConnectionString = redis,
                    RedisKeyPrefix = "load/state",
                    ActivityPropagation = false,
                    Trainers = o => { o.DiscoverCuda = false; o.Devices = ["cpu:0", "cpu:1"]; },
                    Cluster = o => { o.SchedulerInterval = TimeSpan.FromMilliseconds(500); o.HeartbeatInterval = TimeSpan.FromSeconds(1); },
                });
            });
            await using var cluster = builder.Build();
            await cluster.DeployAsync();
            var sweep = cluster.Client.GetGrain<ISweepCoordinatorGrain>("load");
            GC.Collect();
            var managedBefore = GC.GetTotalMemory(forceFullCollection: true);
            var rssBefore = ProcessMemory.ResidentBytes();

            var total = Stopwatch.StartNew();
            var submitted = await sweep.SubmitAsync(SweepDefinitions.From(SweepSpecParser.Parse(Spec(samples, trials))));
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
                ["storage"] = redis is null ? "file (JSON files on local disk), test-cluster membership" : "Redis clustering + Redis storage (real redis-server 127.0.0.1, appendonly yes, appendfsync everysec)",
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
                ["state_records"] = redis is null
                    ? Directory.EnumerateFiles(Path.Combine(dir, "state"), "*.json", SearchOption.AllDirectories).Count()
                    : await CountKeysAsync(redis, "load/state/*"),
            };
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<long> CountKeysAsync(string redis, string pattern)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis);
        return connection.GetServer(connection.GetEndPoints()[0]).Keys(pattern: pattern, pageSize: 1000).LongCount();
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
