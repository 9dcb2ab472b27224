using System.Text.Json;
using Xunit.Abstractions;

namespace ALoRA.EndToEnd.Tests;

/// <summary>What the end-to-end tests share: a workspace, the timeouts, and running <c>alora</c> with a log of every run.</summary>
public abstract class EndToEndTest(ITestOutputHelper log) : IDisposable
{
    /// <summary>A silo process until /health/ready (a loaded 2-core machine starts one in 5-30 s).</summary>
    internal static readonly TimeSpan SiloStart = TimeSpan.FromMinutes(3);

    /// <summary>One CLI command that does not wait for training.</summary>
    internal static readonly TimeSpan Command = TimeSpan.FromMinutes(3);

    /// <summary>A CLI command that follows a sweep to its end.</summary>
    internal static readonly TimeSpan Watch = TimeSpan.FromMinutes(12);

    internal Workspace Workspace { get; } = new();

    internal ITestOutputHelper Log { get; } = log;

    /// <summary>Runs <c>alora</c> in the workspace and logs the command, its exit code and time.</summary>
    internal async Task<CliResult> Alora(TimeSpan timeout, params string[] args)
    {
        var result = await AloraCli.RunAsync(Workspace.Root, timeout, args);
        Log.WriteLine($"[{DateTime.Now:HH:mm:ss}] alora {result.CommandLine} -> {result.ExitCode} in {result.Elapsed.TotalSeconds:F1} s");
        return result;
    }

    /// <summary>Runs <c>alora</c> (a command that does not wait for training).</summary>
    internal Task<CliResult> Alora(params string[] args) => Alora(Command, args);

    /// <summary>Runs <c>alora</c> and asserts exit code 0.</summary>
    internal async Task<CliResult> AloraOk(params string[] args)
    {
        var result = await Alora(args);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }

    /// <summary><c>alora status SWEEP --format json</c> against <paramref name="silo"/>.</summary>
    internal async Task<JsonElement> StatusAsync(SiloProcess silo, string sweepId) =>
        JsonOutput.Document(await AloraOk("status", sweepId, "--gateway", silo.Ports.Gateway, "--format", "json"));

    /// <summary>Polls <c>alora status SWEEP --format json</c> until <paramref name="condition"/> holds; returns that status.</summary>
    internal async Task<JsonElement> PollStatusAsync(SiloProcess silo, string sweepId, Func<JsonElement, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        JsonElement status = default;
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(silo.HasExited, $"the silo exited while waiting for {what}; output:\n{silo.Output}");
            status = await StatusAsync(silo, sweepId);
            if (condition(status))
            {
                return status;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }

        throw new Xunit.Sdk.XunitException($"{what} did not happen within {timeout}; last status:\n{status}\nsilo output:\n{silo.Output}");
    }

    /// <summary>Logs the silo's output (on failure xunit shows it with the test).</summary>
    internal void LogSilo(SiloProcess silo)
    {
        var output = silo.Output;
        Log.WriteLine($"--- silo {silo.Name} (pid {silo.Id}) output, last 6000 chars ---");
        Log.WriteLine(output.Length > 6000 ? output[^6000..] : output);
    }

    public void Dispose()
    {
        Workspace.Dispose();
        GC.SuppressFinalize(this);
    }
}
