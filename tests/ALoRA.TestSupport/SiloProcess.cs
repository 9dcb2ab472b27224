using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;

namespace ALoRA.TestSupport;

/// <summary>
/// A real <c>alora-silo</c> process (<c>dotnet alora-silo.dll</c>) with its output captured. <see cref="Start(string, SiloPorts, string, string, IReadOnlyDictionary{string, string}?)"/>
/// gives it one CPU trainer on one torch thread, on the given localhost ports and data directory; the CLI reaches it
/// with its defaults (service id <c>alora</c>, cluster id <c>alora-dev</c>), which are the silo's defaults too, unless
/// extra settings give others. <see cref="Start(IReadOnlyDictionary{string, string}, string)"/> passes exactly the settings given.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly List<(string Text, TaskCompletionSource Seen)> _waiters = [];

    private SiloProcess(Process process, string name, SiloPorts ports, string dataDirectory)
    {
        _process = process;
        Name = name;
        Ports = ports;
        DataDirectory = dataDirectory;
    }

    /// <summary>The built silo (see <see cref="BuiltPrograms.SiloDll"/>).</summary>
    public static string DllPath => BuiltPrograms.SiloDll;

    /// <summary>Its silo name (<c>Alora__Silo__SiloName</c>; empty when not set).</summary>
    public string Name { get; }

    /// <summary>Its ports (0 where not set).</summary>
    public SiloPorts Ports { get; }

    /// <summary>Its data directory (<c>Alora__Silo__DataDirectory</c>; empty when not set).</summary>
    public string DataDirectory { get; }

    /// <summary>The trainer key of its one CPU device.</summary>
    public string TrainerKey => $"{Name}/cpu:0";

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>Whether the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The exit code, once exited.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the process wrote so far, stdout and stderr interleaved.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// <c>Alora:Silo:AllowedRoots</c> in environment form; unless a test sets it, silos started here allow the repository
    /// and the temp folder (where the tests' workspaces are).
    /// </summary>
    public const string AllowedRootsVariable = "Alora__Silo__AllowedRoots";

    /// <summary>The settings (environment form) of a one-CPU-trainer silo named <paramref name="name"/> on <paramref name="ports"/>.</summary>
    public static Dictionary<string, string> Settings(string name, SiloPorts ports, string dataDirectory) => new()
    {
        ["Alora__Silo__SiloName"] = name,
        ["Alora__Silo__SiloPort"] = ports.SiloPort.ToString(CultureInfo.InvariantCulture),
        ["Alora__Silo__GatewayPort"] = ports.GatewayPort.ToString(CultureInfo.InvariantCulture),
        ["Alora__Silo__HealthPort"] = ports.HealthPort.ToString(CultureInfo.InvariantCulture),
        ["Alora__Silo__DataDirectory"] = dataDirectory,
        ["Alora__Silo__ShutdownTimeout"] = "00:00:20",
        ["Alora__Trainers__Devices__0"] = "cpu:0",
        ["Alora__Trainers__DiscoverCuda"] = "false",
        ["Alora__Trainers__TorchThreads"] = "1",
        ["Logging__LogLevel__ALoRA"] = "Information",
    };

    /// <summary>
    /// Starts the silo and waits until <c>/health/ready</c> answers 200 (active, trainers registered);
    /// <paramref name="settings"/> (environment form, e.g. <c>Alora__Silo__Clustering</c>) are added to or replace the defaults.
    /// </summary>
    public static async Task<SiloProcess> StartAsync(
        string name, SiloPorts ports, string dataDirectory, string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string>? settings = null)
    {
        var silo = Start(name, ports, dataDirectory, workingDirectory, settings);
        try
        {
            await silo.WaitReadyAsync(timeout);
            return silo;
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts a one-CPU-trainer silo (<see cref="Settings"/>); <paramref name="settings"/> are added to or replace the
    /// defaults, and an empty value removes the default (e.g. <c>Alora__Trainers__Devices__0</c> with
    /// <c>Alora__Trainers__CpuTrainers=0</c> for a silo that does not train).
    /// </summary>
    public static SiloProcess Start(string name, SiloPorts ports, string dataDirectory, string workingDirectory, IReadOnlyDictionary<string, string>? settings = null)
    {
        var environment = Settings(name, ports, dataDirectory);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            if (value.Length == 0)
            {
                environment.Remove(key);
            }
            else
            {
                environment[key] = value;
            }
        }

        return Start(environment, workingDirectory);
    }

    /// <summary>
    /// Starts the silo (<c>DOTNET_ENVIRONMENT=Production</c>) with <paramref name="environment"/> on top of this process'
    /// environment minus any <c>Alora__*</c> and <c>OTEL_*</c> variable.
    /// </summary>
    public static SiloProcess Start(IReadOnlyDictionary<string, string> environment, string workingDirectory)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { DllPath },
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var key in info.Environment.Keys
                     .Where(k => k.StartsWith("Alora__", StringComparison.OrdinalIgnoreCase) || k.StartsWith("OTEL_", StringComparison.Ordinal))
                     .ToList())
        {
            info.Environment.Remove(key);
        }

        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        if (!environment.Keys.Any(k => k.StartsWith(AllowedRootsVariable, StringComparison.Ordinal)))
        {
            // The tests' specs name the repository's samples and folders under the temp path.
            info.Environment[$"{AllowedRootsVariable}__0"] = RepositoryPaths.Root;
            info.Environment[$"{AllowedRootsVariable}__1"] = Path.GetTempPath();
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        int Port(string setting) => environment.TryGetValue($"Alora__Silo__{setting}", out var p) ? int.Parse(p, CultureInfo.InvariantCulture) : 0;
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var silo = new SiloProcess(
            process,
            environment.GetValueOrDefault("Alora__Silo__SiloName", ""),
            new SiloPorts(Port("SiloPort"), Port("GatewayPort"), Port("HealthPort")),
            environment.GetValueOrDefault("Alora__Silo__DataDirectory", ""));
        process.OutputDataReceived += (_, e) => silo.Append(e.Data);
        process.ErrorDataReceived += (_, e) => silo.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return silo;
    }

    /// <summary>The status code of <c>GET http://127.0.0.1:<paramref name="port"/><paramref name="path"/></c>, or null when nothing answers.</summary>
    public static async Task<HttpStatusCode?> GetStatusAsync(int port, string path)
    {
        try
        {
            using var response = await Http.GetAsync($"http://127.0.0.1:{port}{path}");
            return response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>Polls <c>GET /health/ready</c> until it answers 200; fails early when the process exits.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"silo {Name} exited with code {_process.ExitCode} before it was ready; output:\n{Output}");
            }

            if (await GetStatusAsync(Ports.HealthPort, "/health/ready") == HttpStatusCode.OK)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"silo {Name} was not ready within {timeout} (health port {Ports.HealthPort}); output:\n{Output}");
            }

            await Task.Delay(250);
        }
    }

    /// <summary>Waits until the output contains <paramref name="text"/>; fails early when the process exits first.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        TaskCompletionSource seen;
        lock (_output)
        {
            if (_output.ToString().Contains(text, StringComparison.Ordinal))
            {
                return;
            }

            seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((text, seen));
        }

        var exited = _process.WaitForExitAsync();
        var done = await Task.WhenAny(seen.Task, exited, Task.Delay(timeout));
        if (done != seen.Task)
        {
            var why = done == exited ? $"the silo exited with code {_process.ExitCode}" : $"timed out after {timeout}";
            throw new TimeoutException($"'{text}' never appeared ({why}); output:\n{Output}");
        }
    }

    /// <summary>SIGKILL: the process dies at once, nothing is drained or checkpointed.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as <c>docker stop</c> and Kubernetes send: the silo drains (checkpoints and hands back its trials) and exits.</summary>
    public void Terminate()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", Id.ToString(CultureInfo.InvariantCulture) } })!;
        kill.WaitForExit();
    }

    /// <summary>Waits for the process to exit; its exit code, or a failure with its output when it does not.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"silo {Name} did not exit within {timeout}; output:\n{Output}");
        }

        return _process.ExitCode;
    }

    /// <summary>Kills the process if it still runs.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
            if (_waiters.Count == 0)
            {
                return;
            }

            var text = _output.ToString();
            foreach (var waiter in _waiters.Where(w => text.Contains(w.Text, StringComparison.Ordinal)).ToList())
            {
                waiter.Seen.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }
}
