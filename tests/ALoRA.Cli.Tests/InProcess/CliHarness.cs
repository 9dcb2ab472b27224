using System.Text.Json;
using ALoRA.Cli.Cluster;
using ALoRA.Cli.Hosting;
using ALoRA.Cli.Output;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Testing;

namespace ALoRA.Cli.Tests.InProcess;

/// <summary>
/// The <c>alora</c> command line run in this process: the real commands, composed as in production, with a
/// <see cref="FakeCluster"/> behind the connector, no local runtime, and Spectre test consoles for stdout and stderr
/// (a terminal of <see cref="Width"/> columns without colour, or redirected output).
/// </summary>
internal sealed class CliHarness : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>Creates a harness; <paramref name="terminal"/> false means stdout is redirected (plain lines).</summary>
    public CliHarness(bool terminal = false, int width = 80)
    {
        Width = width;
        Out = new TestConsole().Width(width).Colors(ColorSystem.NoColors);
        Error = new TestConsole().Width(width).Colors(ColorSystem.NoColors);
        if (terminal)
        {
            Out.Interactive().EmitAnsiSequences();
        }

        Connector = new FakeConnector(Cluster);
    }

    /// <summary>Columns of the consoles.</summary>
    public int Width { get; }

    /// <summary>The cluster behind the connector.</summary>
    public FakeCluster Cluster { get; } = new();

    /// <summary>The connector.</summary>
    public FakeConnector Connector { get; }

    /// <summary>The local runtime provider (always missing).</summary>
    public NoLocalRuntime Local { get; } = new();

    /// <summary>Standard output.</summary>
    public TestConsole Out { get; }

    /// <summary>Standard error.</summary>
    public TestConsole Error { get; }

    /// <summary>What was written to stdout.</summary>
    public string Stdout => Out.Output;

    /// <summary>What was written to stderr.</summary>
    public string Stderr => Error.Output;

    /// <summary>Stdout parsed as one JSON document.</summary>
    public JsonElement Json() => JsonDocument.Parse(Stdout).RootElement;

    /// <summary>Runs <paramref name="args"/> (within a deadline) and returns the exit code.</summary>
    public async Task<int> RunAsync(params string[] args)
    {
        var services = new ServiceCollection()
            .AddAloraCli(new CliConsole(Out, Error, Out.Profile.Capabilities.Interactive), Local)
            .AddSingleton<IClusterConnector>(Connector)
            .BuildServiceProvider();
        await using (services)
        {
            using var cts = new CancellationTokenSource(Deadline);
            return await CliApp.RunAsync(args, services, handleTermination: false, cts.Token).WaitAsync(Deadline);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Out.Dispose();
        Error.Dispose();
    }
}
