using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ALoRA.EndToEnd.Tests;

/// <summary>
/// A cluster of real <c>alora-silo</c> processes as it runs in production: Redis clustering and Redis grain storage
/// on a private <c>redis-server</c> of this test, a cluster and service id of its own, each silo on its own ports and
/// data directory, and one checkpoint folder that every silo shares (a shared volume). A silo can be killed, stopped
/// and started again under the same name, ports, data directory and settings. Disposing kills every silo process it
/// ever started, then the Redis server, also when the test failed.
/// </summary>
internal sealed class RedisCluster : IAsyncDisposable
{
    private readonly Workspace _workspace;
    private readonly Dictionary<string, (SiloPorts Ports, string Data)> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SiloProcess> _current = new(StringComparer.Ordinal);
    private readonly List<SiloProcess> _started = [];
    private readonly List<int> _pids = [];
    private const string WatchdogName = "alora-silo-watchdog";
    private bool _disposed;

    private RedisCluster(RedisServer redis, Workspace workspace, string id)
    {
        Redis = redis;
        _workspace = workspace;
        ClusterId = id;
        ServiceId = id;
        Checkpoints = workspace.PathOf("shared-checkpoints");
    }

    public RedisServer Redis { get; }

    public string ClusterId { get; }

    public string ServiceId { get; }

    /// <summary>The checkpoint folder every silo uses (<c>Alora__Checkpoints__RootDirectory</c>).</summary>
    public string Checkpoints { get; }

    /// <summary>Every silo process started so far, in order (restarted silos more than once).</summary>
    public IReadOnlyList<SiloProcess> Started => _started;

    /// <summary>The latest process of the silo <paramref name="name"/>.</summary>
    public SiloProcess this[string name] => _current[name];

    /// <summary>
    /// Starts a private redis-server, requiring <paramref name="password"/> when one is given (the silos' connection
    /// string then carries it); the silos are started with <see cref="StartSilosAsync"/>.
    /// </summary>
    public static async Task<RedisCluster> CreateAsync(Workspace workspace, string idPrefix, string? password = null)
    {
        var redis = password is null
            ? await RedisServer.StartAsync(TimeSpan.FromSeconds(60))
            : await RedisServer.StartWithPasswordAsync(password, TimeSpan.FromSeconds(60));
        return new RedisCluster(redis, workspace, $"{idPrefix}-{Guid.NewGuid().ToString("N")[..8]}");
    }

    /// <summary>Starts the named silos at the same time (each on new free ports) and waits until every one is ready.</summary>
    public async Task StartSilosAsync(TimeSpan timeout, params string[] names)
    {
        var ports = SiloPorts.FreeTcpPorts(3 * names.Length);
        for (var i = 0; i < names.Length; i++)
        {
            _nodes.Add(names[i], (new SiloPorts(ports[3 * i], ports[(3 * i) + 1], ports[(3 * i) + 2]), _workspace.PathOf($"{names[i]}-data")));
        }

        await Task.WhenAll(names.Select(n => StartSiloAsync(n, timeout)));
    }

    /// <summary>Starts the silo <paramref name="name"/> (again) with its ports, data directory and settings; waits until it is ready.</summary>
    public async Task<SiloProcess> StartSiloAsync(string name, TimeSpan timeout)
    {
        var (ports, data) = _nodes[name];
        if (_current.TryGetValue(name, out var previous))
        {
            Assert.True(previous.HasExited, $"silo {name} (pid {previous.Id}) still runs; stop it before starting it again");
        }

        var silo = SiloProcess.Start(name, ports, data, _workspace.Root, Settings());
        lock (_started)
        {
            _started.Add(silo);
            _pids.Add(silo.Id);
            _current[name] = silo;
        }

        StartWatchdog(silo.Id);

        await silo.WaitReadyAsync(timeout);
        return silo;
    }

    /// <summary>Settings added to <see cref="Settings"/> for the silos started from now on (an empty value removes one).</summary>
    public Dictionary<string, string> ExtraSettings { get; } = [];

    /// <summary>The settings of every silo on top of <see cref="SiloProcess"/>'s defaults (environment form), then <see cref="ExtraSettings"/>.</summary>
    public IReadOnlyDictionary<string, string> Settings() => new Dictionary<string, string>(ExtraSettings.Concat(BaseSettings().Where(b => !ExtraSettings.ContainsKey(b.Key))));

    private Dictionary<string, string> BaseSettings() => new()
    {
        ["Alora__Silo__Clustering"] = "redis",
        ["Alora__Silo__Storage"] = "redis",
        ["Alora__Silo__RedisConnectionString"] = Redis.ConnectionString,
        ["Alora__Silo__ClusterId"] = ClusterId,
        ["Alora__Silo__ServiceId"] = ServiceId,
        ["Alora__Silo__AdvertisedAddress"] = "127.0.0.1",
        ["Alora__Checkpoints__RootDirectory"] = Checkpoints,
        ["Alora__Trainers__CpuTrainers"] = "1",
        ["Alora__Trainers__TorchThreads"] = "1",
    };

    /// <summary>What the CLI needs to reach this cluster through <paramref name="silo"/>'s gateway.</summary>
    public IReadOnlyDictionary<string, string> ClientEnvironment(SiloProcess silo) => new Dictionary<string, string>
    {
        ["ALORA_GATEWAY"] = silo.Ports.Gateway,
        ["ALORA_CLUSTER_ID"] = ClusterId,
        ["ALORA_SERVICE_ID"] = ServiceId,
    };

    /// <summary>The output of every silo process started so far, each under a header.</summary>
    public string Output(int lastCharsEach = 8000)
    {
        var text = new StringBuilder();
        foreach (var silo in _started)
        {
            var output = silo.Output;
            text.AppendLine(CultureInfo.InvariantCulture, $"--- silo {silo.Name} (pid {silo.Id}, {(silo.HasExited ? "exited" : "running")}) ---");
            text.AppendLine(output.Length > lastCharsEach ? output[^lastCharsEach..] : output);
        }

        return text.ToString();
    }

    /// <summary>
    /// Processes of this cluster that still run: any process whose environment names its cluster id (silos and CLI
    /// runs), this Redis server, or its watchdog. Zombies (exited, not reaped) have no command line and do not count.
    /// </summary>
    public IReadOnlyList<string> LeftoverProcesses()
    {
        List<int> silos;
        lock (_started)
        {
            silos = [.. _pids];
        }

        var silo = Encoding.UTF8.GetBytes($"Alora__Silo__ClusterId={ClusterId}\0");
        var client = Encoding.UTF8.GetBytes($"ALORA_CLUSTER_ID={ClusterId}\0");
        var left = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            var pid = Path.GetFileName(dir);
            if (!pid.All(char.IsAsciiDigit) || pid == Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
            {
                continue;
            }

            try
            {
                var commandLine = Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(dir, "cmdline"))).Replace('\0', ' ').Trim();
                if (commandLine.Length == 0)
                {
                    continue;
                }

                var environment = File.ReadAllBytes(Path.Combine(dir, "environ"));
                if (environment.AsSpan().IndexOf(silo) >= 0 || environment.AsSpan().IndexOf(client) >= 0
                    || (commandLine.Contains("redis-server", StringComparison.Ordinal) && commandLine.Contains($":{Redis.Port}", StringComparison.Ordinal))
                    || (commandLine.Contains("alora-redis-watchdog", StringComparison.Ordinal) && commandLine.EndsWith($" {Redis.ProcessId}", StringComparison.Ordinal))
                    || (commandLine.Contains(WatchdogName, StringComparison.Ordinal) && silos.Any(id => commandLine.EndsWith($" {id}", StringComparison.Ordinal))))
                {
                    left.Add($"pid {pid}: {commandLine}");
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile, or another user's process.
            }
        }

        return left;
    }

    /// <summary>Checks that <see cref="LeftoverProcesses"/> sees the Redis server and every running silo (so that its empty answer later means something).</summary>
    private void AssertSeesItsProcesses()
    {
        var seen = LeftoverProcesses();
        var expected = _started.Where(s => !s.HasExited).Select(s => s.Id).Append(Redis.ProcessId).ToList();
        Assert.All(expected, pid => Assert.Contains(seen, p => p.StartsWith($"pid {pid}:", StringComparison.Ordinal)));
    }

    /// <summary>Waits until <see cref="LeftoverProcesses"/> is empty; fails with the list when it is not within <paramref name="timeout"/>.</summary>
    private async Task AssertNoLeftoverProcessesAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var left = LeftoverProcesses();
            if (left.Count == 0)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"processes of cluster {ClusterId} still run {timeout} after it was disposed:\n{string.Join('\n', left)}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>
    /// Ends a test that passed: checks that <see cref="LeftoverProcesses"/> sees this cluster's processes, disposes the
    /// cluster and checks that none of them is left within 15 s.
    /// </summary>
    public async Task DisposeAndAssertNothingLeftAsync()
    {
        AssertSeesItsProcesses();
        await DisposeAsync();
        await AssertNoLeftoverProcessesAsync(TimeSpan.FromSeconds(15));
    }

    /// <summary>Kills every silo process it started, then the Redis server.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var silo in _started)
        {
            await silo.DisposeAsync();
        }

        await Redis.DisposeAsync();
    }

    /// <summary>Kills the silo (SIGKILL) when this test process dies first, so a crashed or killed test run leaves no silo behind.</summary>
    private static void StartWatchdog(int siloPid)
    {
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("while kill -0 \"$1\" 2>/dev/null && kill -0 \"$2\" 2>/dev/null; do sleep 1; done; kill -9 \"$2\" 2>/dev/null; exit 0");
        start.ArgumentList.Add(WatchdogName);
        start.ArgumentList.Add(Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(siloPid.ToString(CultureInfo.InvariantCulture));
        using var watchdog = Process.Start(start);
    }
}
