using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ALoRA.EndToEnd.Tests;

/// <summary>Ports of one silo on localhost.</summary>
internal sealed record SiloPorts(int SiloPort, int GatewayPort, int HealthPort)
{
    /// <summary>What the CLI's <c>--gateway</c> takes.</summary>
    public string Gateway => $"127.0.0.1:{GatewayPort}";

    /// <summary>Three distinct TCP ports that were free a moment ago.</summary>
    public static SiloPorts Free()
    {
        var ports = FreeTcpPorts(3);
        return new SiloPorts(ports[0], ports[1], ports[2]);
    }

    /// <summary><paramref name="count"/> distinct TCP ports on the loopback interface that were free a moment ago.</summary>
    public static IReadOnlyList<int> FreeTcpPorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }
}

/// <summary>
/// A real <c>alora-silo</c> process (<c>dotnet alora-silo.dll</c>) with one CPU trainer on one torch thread, on
/// the given localhost ports and data directory, with its output captured. The CLI reaches it with its defaults
/// (service id <c>alora</c>, cluster id <c>alora-dev</c>), which are the silo's defaults too.
/// </summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SiloProcess(Process process, string name, SiloPorts ports, string dataDirectory)
    {
        _process = process;
        Name = name;
        Ports = ports;
        DataDirectory = dataDirectory;
    }

    public string Name { get; }

    public SiloPorts Ports { get; }

    public string DataDirectory { get; }

    /// <summary>The trainer key of its one CPU device.</summary>
    public string TrainerKey => $"{Name}/cpu:0";

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

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
    /// Starts the silo and waits until <c>/health/ready</c> answers 200 (active, trainers registered);
    /// <paramref name="environment"/> is set on top of its settings.
    /// </summary>
    public static async Task<SiloProcess> StartAsync(
        string name, SiloPorts ports, string dataDirectory, string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        var silo = Start(name, ports, dataDirectory, workingDirectory, environment);
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
    /// Starts the silo with the settings on top of this process' environment, minus any <c>Alora__*</c> and <c>OTEL_*</c>
    /// variable, and <paramref name="extra"/> on top of them.
    /// </summary>
    public static SiloProcess Start(string name, SiloPorts ports, string dataDirectory, string workingDirectory, IReadOnlyDictionary<string, string>? extra = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Programs.SiloDll },
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

        var environment = new Dictionary<string, string>
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
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
        foreach (var (key, value) in environment.Concat(extra ?? new Dictionary<string, string>()))
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var silo = new SiloProcess(process, name, ports, dataDirectory);
        process.OutputDataReceived += (_, e) => silo.Append(e.Data);
        process.ErrorDataReceived += (_, e) => silo.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return silo;
    }

    /// <summary>Polls <c>GET /health/ready</c> until it answers 200; fails early when the process exits.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        var url = $"http://127.0.0.1:{Ports.HealthPort}/health/ready";
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"silo {Name} exited with code {_process.ExitCode} before it was ready; output:\n{Output}");
            }

            try
            {
                using var response = await Http.GetAsync(url);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"silo {Name} was not ready within {timeout} ({url}); output:\n{Output}");
            }

            await Task.Delay(250);
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
        }
    }
}
