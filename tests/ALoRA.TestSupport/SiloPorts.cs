using System.Net;
using System.Net.Sockets;

namespace ALoRA.TestSupport;

/// <summary>Ports of one silo on localhost (0: not set).</summary>
public sealed record SiloPorts(int SiloPort, int GatewayPort, int HealthPort)
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
