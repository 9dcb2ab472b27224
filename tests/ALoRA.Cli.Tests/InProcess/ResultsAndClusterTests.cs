using ALoRA.Abstractions.Cluster;
using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Sweeps;
using ALoRA.Abstractions.Trials;
using static ALoRA.Cli.Tests.InProcess.Samples;

namespace ALoRA.Cli.Tests.InProcess;

public sealed class ResultsAndClusterTests : IDisposable
{
    private readonly CliHarness _cli = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("alora-cli-results-").FullName;

    public void Dispose()
    {
        _cli.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Results_Json_RanksByTheMetric_AndWritesTheFiles()
    {
        var trials = new[] { Trial("r", 0, TrialState.Completed, method: "lora"), Trial("r", 1, TrialState.Completed), Trial("r", 2, TrialState.Failed) };
        _cli.Cluster.With(Sweep("r", SweepState.Completed, trials));
        foreach (var t in trials)
        {
            _cli.Cluster.Trials[t.TrialId] = new TrialDetails
            {
                Spec = new TrialSpec { SweepId = "r", TrialId = t.TrialId, Index = t.Index, Method = t.Method, Training = new TrainingSettings { Seed = t.Seed } },
                Status = t,
            };
        }

        var code = await _cli.RunAsync("results", "r", "--out", _dir, "--format", "json");

        Assert.Equal(0, code);
        var json = _cli.Json();
        var rows = json.GetProperty("rows").EnumerateArray().ToList();
        // test_metric is 0.70 + index / 100: trial 1 first, trial 0 second, the failed one unranked.
        Assert.Equal(["r-001", "r-000", "r-002"], rows.Select(r => r.GetProperty("trial_id").GetString()));
        Assert.Equal(1, rows[0].GetProperty("rank").GetInt32());
        var files = json.GetProperty("files").EnumerateArray().Select(f => f.GetString()!).ToList();
        Assert.Contains(Path.Combine(_dir, "results.csv"), files);
        Assert.All(files, f => Assert.True(File.Exists(f), f));
    }

    [Fact]
    public async Task Results_OfAnUnreadableSweep_ExitCode1()
    {
        var code = await _cli.RunAsync("results", "nothing-here", "--out", _dir);

        Assert.Equal(1, code);
        Assert.Contains("sweep nothing-here is unreadable", _cli.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cluster_Json_IsTheClusterStatus()
    {
        _cli.Cluster.Cluster = new ClusterStatus
        {
            Trainers = [new TrainerInfo { Key = "cpu:0@a", SiloAddress = "a", Trial = "t1" }, new TrainerInfo { Key = "cpu:0@b", SiloAddress = "b" }],
            Running = 1,
            Queued = 3,
            Sweeps = ["s"],
        };

        var code = await _cli.RunAsync("cluster", "--format", "json");

        Assert.Equal(0, code);
        var json = _cli.Json();
        Assert.Equal((1, 3), (json.GetProperty("running").GetInt32(), json.GetProperty("queued").GetInt32()));
        Assert.Equal(["t1", null], json.GetProperty("trainers").EnumerateArray().Select(t => t.GetProperty("trial").GetString()));
    }

    [Fact]
    public async Task Cluster_Redirected_PrintsEachSlot_ItsTrialAndMemory_AndTheSummary()
    {
        _cli.Cluster.Cluster = new ClusterStatus
        {
            Trainers =
            [
                new TrainerInfo
                {
                    Key = "a/cpu:0", SiloAddress = "a", Trial = "t1", DeviceMemoryBytes = 16L << 30, ReservedBytes = 6L << 30,
                    Slots =
                    [
                        new SlotInfo { Slot = 0, Trainer = "a/cpu:0", Trial = "t1", ReservedBytes = 6L << 30 },
                        new SlotInfo { Slot = 1, Trainer = "a/cpu:0#1" },
                    ],
                },
                new TrainerInfo { Key = "b/cpu:0", SiloAddress = "b", Trial = "t2" }, // an older scheduler: no slots, no memory
            ],
            Running = 2,
            Sweeps = ["s"],
        };

        var code = await _cli.RunAsync("cluster");

        Assert.Equal(0, code);
        Assert.Equal(
            "TRAINER                      STATE TRIAL                            HOLDS      DEVICE MEMORY      SILO\n" +
            "a/cpu:0                      busy  t1                               6.0 GiB    6.0 / 16.0 GiB     a\n" +
            "a/cpu:0#1                    free  -                                -                             a\n" +
            "b/cpu:0                      busy  t2                               whole      -                  b\n" +
            "2 devices (3 slots) on 2 silos; 2 trials running, 0 queued; 1 sweeps\n",
            _cli.Stdout.Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Show_UnknownTrial_ExitCode6()
    {
        var code = await _cli.RunAsync("show", "nope");

        Assert.Equal(6, code);
        Assert.Equal("error: no trial 'nope'\n", _cli.Stderr.Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Train_WithoutTheLocalRuntime_ExitCode3_NamesWhatIsMissing()
    {
        var code = await _cli.RunAsync("train", Path.Combine(RepositoryPaths.Root, "samples", "sweeps", "demo.yaml"));

        Assert.Equal(3, code);
        Assert.Equal(1, _cli.Local.Requests);
        Assert.Contains("no local runtime", _cli.Stderr, StringComparison.Ordinal);
    }
}
