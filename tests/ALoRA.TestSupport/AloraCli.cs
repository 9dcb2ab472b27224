using System.Diagnostics;
using System.Text;

namespace ALoRA.TestSupport;

/// <summary>
/// The real <c>alora</c> program (<c>dotnet alora.dll</c>) as a separate process. Its environment is this process'
/// minus the variables that would point it at another cluster (<c>ALORA_GATEWAY</c>, <c>ALORA_SERVICE_ID</c>,
/// <c>ALORA_CLUSTER_ID</c>) and minus <c>Alora__*</c> settings.
/// </summary>
public sealed class AloraCli
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly List<(DateTime At, string Line)> _stderrTimes = [];
    private readonly DateTime _startedAt = DateTime.Now;
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private AloraCli(Process process, string commandLine)
    {
        _process = process;
        CommandLine = commandLine;
    }

    /// <summary>Its arguments, joined by spaces.</summary>
    public string CommandLine { get; }

    /// <summary>Whether it has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Runs <c>alora</c> with <paramref name="args"/> in <paramref name="workingDirectory"/> and waits for it (killed after 5 minutes).</summary>
    public static CliResult Run(string workingDirectory, params string[] args) =>
        RunAsync(workingDirectory, TimeSpan.FromMinutes(5), args).GetAwaiter().GetResult();

    /// <summary>Runs <c>alora</c> with <paramref name="args"/> in <paramref name="workingDirectory"/> and waits for it (killed after <paramref name="timeout"/>).</summary>
    public static Task<CliResult> RunAsync(string workingDirectory, TimeSpan timeout, params string[] args) =>
        Start(workingDirectory, args).WaitAsync(timeout);

    /// <summary>Runs <c>alora</c> with extra environment variables and waits for it.</summary>
    public static Task<CliResult> RunAsync(string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string> environment, params string[] args) =>
        Start(workingDirectory, environment, args).WaitAsync(timeout);

    /// <summary>Starts <c>alora</c> without waiting for it.</summary>
    public static AloraCli Start(string workingDirectory, params string[] args) => Start(workingDirectory, new Dictionary<string, string>(), args);

    /// <summary>Starts <c>alora</c> with extra environment variables (on top of the cleaned environment) without waiting for it.</summary>
    public static AloraCli Start(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(BuiltPrograms.CliDll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var key in info.Environment.Keys
                     .Where(k => k is "ALORA_GATEWAY" or "ALORA_SERVICE_ID" or "ALORA_CLUSTER_ID"
                                 || k.StartsWith("Alora__", StringComparison.OrdinalIgnoreCase) || k.StartsWith("OTEL_", StringComparison.Ordinal))
                     .ToList())
        {
            info.Environment.Remove(key);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var cli = new AloraCli(process, string.Join(' ', args));
        process.OutputDataReceived += (_, e) => cli.Append(cli._stdout, e.Data, cli._stdoutClosed);
        process.ErrorDataReceived += (_, e) => cli.Append(cli._stderr, e.Data, cli._stderrClosed);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return cli;
    }

    /// <summary>What it wrote to stdout so far.</summary>
    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    /// <summary>What it wrote to stderr so far.</summary>
    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Its stderr lines so far, each with the time it arrived (HH:mm:ss.f).</summary>
    public string TimedStderr
    {
        get
        {
            lock (_stderr)
            {
                return string.Join('\n', _stderrTimes.Select(l => $"{l.At:HH:mm:ss.f} {l.Line}"));
            }
        }
    }

    /// <summary>When the first stderr line matching <paramref name="match"/> arrived, or null.</summary>
    public DateTime? StderrLineTime(Func<string, bool> match)
    {
        lock (_stderr)
        {
            return _stderrTimes.Where(l => match(l.Line)).Select(l => (DateTime?)l.At).FirstOrDefault();
        }
    }

    /// <summary>When it exited (local time), or null while it runs.</summary>
    public DateTime? ExitedAt { get; private set; }

    /// <summary>Waits for it to exit; kills it and fails with its output when it takes longer than <paramref name="timeout"/>.</summary>
    public async Task<CliResult> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            throw new TimeoutException($"alora {CommandLine} did not finish within {timeout}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}");
        }

        ExitedAt = _process.ExitTime;
        var result = new CliResult(CommandLine, _process.ExitCode, Stdout, Stderr, _process.ExitTime - _startedAt);
        _process.Dispose();
        return result;
    }

    /// <summary>Sends SIGINT, as Ctrl+C in a terminal does.</summary>
    public void Interrupt()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) } })!;
        kill.WaitForExit();
    }

    /// <summary>Kills it if it still runs.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone (or disposed after WaitAsync).
        }
    }

    private void Append(StringBuilder target, string? line, TaskCompletionSource closed)
    {
        if (line is null)
        {
            closed.TrySetResult();
            return;
        }

        lock (target)
        {
            target.Append(line).Append('\n');
            if (ReferenceEquals(target, _stderr))
            {
                _stderrTimes.Add((DateTime.Now, line));
            }
        }
    }
}
