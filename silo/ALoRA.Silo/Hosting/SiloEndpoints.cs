using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace ALoRA.Silo.Hosting;

/// <summary>Parsing and resolving of the address settings of <see cref="SiloHostOptions"/>.</summary>
internal static class SiloEndpoints
{
    /// <summary>Whether <paramref name="value"/> is <c>host:port</c> (IPv6 in brackets) with a port between 1 and 65535.</summary>
    public static bool TryParseHostPort(string value, out string host, out int port)
    {
        host = "";
        port = 0;
        if (string.IsNullOrWhiteSpace(value)
            || !Uri.TryCreate("tcp://" + value.Trim(), UriKind.Absolute, out var uri)
            || uri.Port is < 1 or > 65535
            || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.UserInfo.Length > 0
            || uri.HostNameType is UriHostNameType.Unknown or UriHostNameType.Basic)
        {
            return false;
        }

        host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']') : uri.Host;
        port = uri.Port;
        return true;
    }

    /// <summary>Whether <paramref name="value"/> is an IP address or a DNS host name.</summary>
    public static bool IsHost(string value) =>
        !string.IsNullOrWhiteSpace(value) && Uri.CheckHostName(value.Trim()) is UriHostNameType.IPv4 or UriHostNameType.IPv6 or UriHostNameType.Dns;

    /// <summary>
    /// The address of <paramref name="host"/>: itself when it is an IP address, else its first IPv4 (or any) address from DNS.
    /// A host that does not resolve fails with an <see cref="OptionsValidationException"/> naming <paramref name="setting"/>.
    /// </summary>
    public static IPAddress Resolve(string setting, string host)
    {
        host = host.Trim();
        if (IPAddress.TryParse(host, out var ip))
        {
            return ip;
        }

        try
        {
            var addresses = Dns.GetHostAddresses(host);
            var chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault();
            if (chosen is not null)
            {
                return chosen;
            }
        }
        catch (SocketException ex)
        {
            throw Invalid(setting, $"{setting} = '{host}' does not resolve: {ex.Message}");
        }

        throw Invalid(setting, $"{setting} = '{host}' does not resolve to any address");
    }

    /// <summary>The endpoint of <paramref name="value"/> (validated <c>host:port</c>), resolving a host name.</summary>
    public static IPEndPoint ResolveEndPoint(string setting, string value)
    {
        if (!TryParseHostPort(value, out var host, out var port))
        {
            throw Invalid(setting, $"{setting} = '{value}' is not host:port");
        }

        return new IPEndPoint(Resolve(setting, host), port);
    }

    private static OptionsValidationException Invalid(string setting, string message) =>
        new(setting, typeof(SiloHostOptions), [message]);
}
