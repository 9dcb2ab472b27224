using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace ALoRA.Silo.Hosting;

/// <summary>
/// Refuses to start a silo whose <see cref="SiloHostOptions.SiloPort"/> or <see cref="SiloHostOptions.GatewayPort"/> is
/// already taken on this machine (something accepts connections on it at 127.0.0.1), with a configuration error naming the setting (exit code 2). Orleans' listeners
/// share a port with another process's (address reuse), so a second silo given a gateway port in use started without
/// error and clients reached whichever process answered. Runs with the validation of the settings at start, before
/// anything listens (registered by <c>UseAloraSilo</c>, not by <see cref="SiloHostOptionsValidator"/>, which checks
/// values only).
/// </summary>
public sealed class SiloPortCheck : IValidateOptions<SiloHostOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SiloHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        Check(nameof(SiloHostOptions.SiloPort), options.SiloPort, errors);
        if (options.GatewayPort != options.SiloPort)
        {
            Check(nameof(SiloHostOptions.GatewayPort), options.GatewayPort, errors);
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Check(string name, int port, List<string> errors)
    {
        if (port is < 1 or > 65535)
        {
            return; // out of range: the value validator says so
        }

        // A listener answers a connection; a port left in TIME_WAIT by a silo that just died does not (a bind probe
        // would refuse the restart of that silo on its own ports).
        using var client = new TcpClient();
        try
        {
            if (client.ConnectAsync(IPAddress.Loopback, port).Wait(TimeSpan.FromSeconds(2)) && client.Connected)
            {
                var key = SiloHostOptionsValidator.Key(name);
                errors.Add($"{key} = {port}: the port is already in use on this machine (something accepts connections there); give this silo another port");
            }
        }
        catch (AggregateException ex) when (ex.InnerException is SocketException)
        {
            // Refused: nothing listens there.
        }
    }
}
