using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;

namespace ALoRA.Silo.Tests.EndToEnd;

/// <summary>A real <c>alora-silo</c> process (<c>dotnet alora-silo.dll</c>) with its output captured.</summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly List<(string Text, TaskCompletionSource Seen)> _waiters = [];

    private SiloProcess(Process process) => _process = process;

    /// <summary>The built silo: its own build output (normal or <c>--artifacts-path</c> layout), else the copy next to the tests.</summary>
    public static string DllPath { get; } = Locate();

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

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

    /// <summary>Starts the silo with <paramref name="environment"/> on top of this process' environment, minus any <c>Alora__*</c> variable.</summary>
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
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("Alora__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(key);
        }

        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var silo = new SiloProcess(process);
        process.OutputDataReceived += (_, e) => silo.Append(e.Data);
        process.ErrorDataReceived += (_, e) => silo.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return silo;
    }

    /// <summary>Two distinct TCP ports that were free a moment ago.</summary>
    public static (int SiloPort, int GatewayPort) FreePorts()
    {
        using var a = new TcpListener(IPAddress.Loopback, 0);
        using var b = new TcpListener(IPAddress.Loopback, 0);
        a.Start();
        b.Start();
        var ports = (((IPEndPoint)a.LocalEndpoint).Port, ((IPEndPoint)b.LocalEndpoint).Port);
        a.Stop();
        b.Stop();
        return ports;
    }

    /// <summary><paramref name="count"/> distinct TCP ports that were free a moment ago.</summary>
    public static int[] FreePorts(int count)
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

    /// <summary>The status code of <c>GET http://127.0.0.1:<paramref name="port"/><paramref name="path"/></c>, or null when nothing answers.</summary>
    public static async Task<HttpStatusCode?> GetStatusAsync(int port, string path)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await http.GetAsync($"http://127.0.0.1:{port}{path}");
            return response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
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
            throw new TimeoutException($"the silo did not exit within {timeout}; output:\n{Output}");
        }

        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM, as <c>docker stop</c> and Kubernetes do (<see cref="Process.Kill()"/> would send SIGKILL).</summary>
    public void Terminate()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", Id.ToString(System.Globalization.CultureInfo.InvariantCulture) } })!;
        kill.WaitForExit();
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
            var text = _output.ToString();
            foreach (var waiter in _waiters.Where(w => text.Contains(w.Text, StringComparison.Ordinal)).ToList())
            {
                waiter.Seen.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }

    private static string Locate()
    {
        const string dll = "alora-silo.dll";
        var tests = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("ALORA_SILO_DLL") is { Length: > 0 } overridden)
        {
            candidates.Add(overridden);
        }

        // --artifacts-path: <artifacts>/bin/ALoRA.Silo.Tests/<pivot>/ next to <artifacts>/bin/ALoRA.Silo/<pivot>/.
        var marker = $"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}ALoRA.Silo.Tests{Path.DirectorySeparatorChar}";
        var at = tests.LastIndexOf(marker, StringComparison.Ordinal);
        if (at >= 0)
        {
            var pivot = tests[(at + marker.Length)..];
            candidates.Add(Path.Combine(tests[..at], "bin", "ALoRA.Silo", pivot, dll));
        }

        // Plain build: silo/ALoRA.Silo/bin/<Configuration>/<tfm>/, the same configuration and framework as the tests.
        var configuration = typeof(SiloProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        candidates.Add(Path.Combine(TestPaths.RepositoryRoot, "silo", "ALoRA.Silo", "bin", configuration, Path.GetFileName(tests), dll));

        // The copy that the project reference puts next to the tests.
        candidates.Add(Path.Combine(tests, dll));

        return candidates.FirstOrDefault(c => File.Exists(c) && File.Exists(Path.ChangeExtension(c, ".runtimeconfig.json")))
            ?? throw new FileNotFoundException($"{dll} not built; looked at: {string.Join(", ", candidates)}");
    }
}
