using System.CommandLine;
using ALoRA.Engine.Data;
using ALoRA.Engine.Model;
using ALoRA.Engine.Peft;
using ALoRA.Engine.Runtime;
using ALoRA.Engine.SafeTensors;
using ALoRA.Sweeps;

namespace ALoRA.Cli.Connection;

/// <summary>Runs a command body against a cluster connection and maps failures to exit codes and one-line messages.</summary>
internal static class ClusterCommand
{
    /// <summary>Opens the connection <paramref name="parse"/> asks for and runs <paramref name="body"/>.</summary>
    public static async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken, Func<ClusterSession, ConnectionSettings, Task<int>> body)
    {
        var settings = ConnectionOptions.Read(parse);
        return await Guard(async () =>
        {
            await using var session = await ClusterSession.OpenAsync(settings, cancellationToken);
            return await body(session, settings);
        });
    }

    /// <summary>Runs <paramref name="body"/>, turning known failures into exit codes with a message on stderr.</summary>
    public static async Task<int> Guard(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (ClusterUnavailableException ex)
        {
            return Fail(ExitCodes.ClusterUnavailable, ex.Message);
        }
        catch (SweepSpecException ex)
        {
            return Fail(ExitCodes.BadInput, ex.Message);
        }
        catch (KeyNotFoundException ex)
        {
            return Fail(ExitCodes.NotFound, ex.Message);
        }
        catch (Exception ex) when (ex is ArgumentException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException or FormatException
                                       or ModelLoadException or DataFormatException or PeftFormatException or SafeTensorsFormatException)
        {
            return Fail(ExitCodes.BadInput, ex.Message);
        }
        catch (TorchUnavailableException ex)
        {
            return Fail(ExitCodes.RuntimeUnavailable, ex.Message);
        }
        catch (OperationCanceledException)
        {
            return Fail(ExitCodes.Cancelled, "cancelled");
        }
        catch (Exception ex) when (ex is InvalidOperationException or OrleansException or TimeoutException)
        {
            // The cluster refused or could not do it (e.g. a stored state it cannot read): the reason, not a stack trace.
            return Fail(ExitCodes.Failed, ex.Message);
        }
    }

    /// <summary>Prints <paramref name="message"/> as an error and returns <paramref name="code"/>.</summary>
    public static int Fail(int code, string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return code;
    }
}
