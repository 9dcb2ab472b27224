using System.CommandLine;
using ALoRA.Abstractions.Grains;
using ALoRA.Cli.Cluster;
using ALoRA.Cli.Local;
using ALoRA.Cli.Output;
using ALoRA.Sweeps;
using Orleans.Storage;

namespace ALoRA.Cli.Connection;

/// <summary>
/// Runs a command body, against a cluster connection when it needs one, and maps failures to the exit codes of
/// <see cref="ExitCodes"/> with a one-line message on stderr. Failures of the engine and the grains (a bad model file,
/// torch that does not load) are mapped by the local runtime when it is loaded; this class knows no engine type.
/// </summary>
/// <param name="console">Where the message goes.</param>
/// <param name="connector">Opens the cluster.</param>
/// <param name="options">The connection options of the root command.</param>
/// <param name="local">The local runtime, consulted (never loaded) for the failures it knows.</param>
internal sealed class ClusterCommand(CliConsole console, IClusterConnector connector, ConnectionOptions options, ILocalRuntimeProvider local)
{
    /// <summary>Opens the cluster.</summary>
    public IClusterConnector Connector => connector;

    /// <summary>Opens the connection <paramref name="parse"/> asks for and runs <paramref name="body"/>.</summary>
    public Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken, Func<ISweepCluster, ConnectionSettings, Task<int>> body)
    {
        var settings = options.Read(parse);
        return Guard(async () =>
        {
            await using var cluster = await connector.ConnectAsync(settings, cancellationToken);
            return await body(cluster, settings);
        });
    }

    /// <summary>Runs <paramref name="body"/>, turning known failures into exit codes with a message on stderr.</summary>
    public async Task<int> Guard(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (OperationCanceledException)
        {
            return Fail(ExitCodes.Cancelled, "cancelled");
        }
        catch (Exception ex) when ((local.Loaded?.ExitCodeOf(ex) ?? ExitCodeOf(ex)) is { } code)
        {
            return Fail(code, MessageOf(ex));
        }
    }

    /// <summary>Prints <paramref name="message"/> as an error and returns <paramref name="code"/>.</summary>
    public int Fail(int code, string message)
    {
        console.Message($"error: {message}");
        return code;
    }

    /// <summary>The one-line message of a failure: its own, with what it means where Orleans' says little.</summary>
    public static string MessageOf(Exception ex) => ex switch
    {
        // Two writers of one stored record: another cluster on the same storage (docs/operations.md, "One folder, one cluster").
        InconsistentStateException => $"the cluster's stored state was changed by another writer while it was being written " +
                                      $"(is a second cluster using the same storage folder or Redis?); try again. {ex.Message}",
        _ => ex.Message,
    };

    /// <summary>The exit code of a failure the thin CLI knows, or null (it propagates).</summary>
    public static int? ExitCodeOf(Exception ex) => ex switch
    {
        ClusterUnavailableException => ExitCodes.ClusterUnavailable,
        UnauthenticatedException => ExitCodes.Unauthenticated,
        LocalRuntimeUnavailableException => ExitCodes.RuntimeUnavailable,
        SweepSpecException => ExitCodes.BadInput,
        KeyNotFoundException => ExitCodes.NotFound,
        ArgumentException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException or FormatException => ExitCodes.BadInput,

        // The cluster refused or could not do it (e.g. a stored state it cannot read): the reason, not a stack trace.
        InvalidOperationException or OrleansException or TimeoutException or ClusterConnectionLostException => ExitCodes.Failed,
        _ => null,
    };
}
