using System.Net;
using System.Net.Sockets;
using System.Text;
using ALoRA.Grains.Trainers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ALoRA.Silo.Hosting;

/// <summary>
/// The HTTP health endpoints of the silo process for Kubernetes probes, on <see cref="SiloHostOptions.HealthPort"/>
/// (all interfaces; <c>0</c>: off), served over a plain <see cref="TcpListener"/> so the silo needs no ASP.NET Core:
/// <c>GET /health/live</c> answers 200 while the process runs; <c>GET /health/ready</c> answers 200 once the silo is
/// active and its trainers are registered (<see cref="DeviceHost.IsReady"/>), 503 before that and from the moment the
/// host starts stopping. Registered before the silo, so it answers (live, not ready) while the silo starts and stops
/// after it. A port that cannot be listened on stops the silo with a configuration error naming the setting.
/// </summary>
public sealed partial class SiloHealthEndpoint(
    IOptions<SiloHostOptions> options,
    IServiceProvider services,
    IHostApplicationLifetime lifetime,
    ILogger<SiloHealthEndpoint> logger) : IHostedService, IDisposable
{
    /// <summary>Liveness path.</summary>
    public const string LivePath = "/health/live";

    /// <summary>Readiness path.</summary>
    public const string ReadyPath = "/health/ready";

    private const int MaxRequestHead = 8 * 1024;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);

    private TcpListener? _listener;
    private CancellationTokenSource? _stop;
    private Task _serving = Task.CompletedTask;

    /// <summary>Whether the silo is ready for work: active, trainers registered, not stopping.</summary>
    public bool IsReady =>
        !lifetime.ApplicationStopping.IsCancellationRequested && services.GetService<DeviceHost>() is { IsReady: true };

    /// <summary>Whether the endpoints are being served (started on a port other than 0, not stopped).</summary>
    public bool IsListening => _listener is not null;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var port = options.Value.HealthPort;
        if (port == 0)
        {
            LogDisabled(SiloHostOptionsValidator.Key(nameof(SiloHostOptions.HealthPort)));
            return Task.CompletedTask;
        }

        // All interfaces, IPv4 and IPv6 (dual mode where the host has IPv6).
        var listener = Socket.OSSupportsIPv6 ? TcpListener.Create(port) : new TcpListener(IPAddress.Any, port);
        try
        {
            listener.Start();
        }
        catch (SocketException ex)
        {
            listener.Dispose();
            var key = SiloHostOptionsValidator.Key(nameof(SiloHostOptions.HealthPort));
            throw new OptionsValidationException(key, typeof(SiloHostOptions),
                [$"{key} = {port}: cannot serve the health endpoints there ({ex.Message}); choose a free port, or 0 to turn them off"]);
        }

        _listener = listener;
        _stop = new CancellationTokenSource();
        var stop = _stop.Token;
        _serving = Task.Run(() => ServeAsync(listener, stop), CancellationToken.None);
        LogListening(port);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_listener is not { } listener)
        {
            return;
        }

        _listener = null;
        await _stop!.CancelAsync().ConfigureAwait(false);
        listener.Stop();
        await _serving.WaitAsync(cancellationToken).ConfigureAwait(false);
        listener.Dispose();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_listener is { } listener)
        {
            _listener = null;
            _stop?.Cancel();
            listener.Dispose();
        }

        _stop?.Dispose();
    }

    // A plain TCP listener answering HTTP/1.1 with "Connection: close": .NET's managed HttpListener can fail to start
    // (ArgumentNullException inside HttpListener.Start) when a prober connects while it is starting, which took the silo
    // down with it; probes only need a status line.
    private async Task ServeAsync(TcpListener listener, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await listener.AcceptSocketAsync(stop).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }

            _ = Task.Run(() => AnswerAsync(connection), CancellationToken.None);
        }
    }

    private async Task AnswerAsync(Socket connection)
    {
        using var timeout = new CancellationTokenSource(RequestTimeout);
        try
        {
            await using var stream = new NetworkStream(connection, ownsSocket: true);
            var head = await ReadHeadAsync(stream, timeout.Token).ConfigureAwait(false);
            var (status, reason, body, sendBody) = Respond(head);
            var bytes = Encoding.UTF8.GetBytes(body);
            var header = $"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\nCache-Control: no-store\r\n" +
                         $"Content-Length: {bytes.Length}\r\nConnection: close\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(header), timeout.Token).ConfigureAwait(false);
            if (sendBody)
            {
                await stream.WriteAsync(bytes, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            // The prober went away, was too slow, or sent something odd: drop it, keep serving.
            LogRequestFailed(ex.Message);
        }
    }

    /// <summary>Reads up to the end of the request head (the blank line), at most <see cref="MaxRequestHead"/> bytes.</summary>
    private static async Task<string> ReadHeadAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxRequestHead];
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            read += n;
            if (buffer.AsSpan(0, read).IndexOf("\r\n\r\n"u8) >= 0)
            {
                break;
            }
        }

        return Encoding.ASCII.GetString(buffer, 0, read);
    }

    private (int Status, string Reason, string Body, bool SendBody) Respond(string head)
    {
        var requestLine = head.Split("\r\n", 2)[0].Split(' ');
        var method = requestLine.Length >= 2 ? requestLine[0] : "";
        var path = requestLine.Length >= 2 ? requestLine[1].Split('?', 2)[0].TrimEnd('/') : "";
        var sendBody = method != "HEAD";
        return path switch
        {
            _ when method is not ("GET" or "HEAD") => (405, "Method Not Allowed", "only GET and HEAD\n", sendBody),
            LivePath => (200, "OK", "live\n", sendBody),
            ReadyPath => IsReady ? (200, "OK", "ready\n", sendBody) : (503, "Service Unavailable", "not ready\n", sendBody),
            _ => (404, "Not Found", $"not found; try {LivePath} or {ReadyPath}\n", sendBody),
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Health endpoints on port {Port}: /health/live, /health/ready")]
    private partial void LogListening(int port);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Health endpoint: a request failed: {Error}")]
    private partial void LogRequestFailed(string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Health endpoints off ({Key} = 0)")]
    private partial void LogDisabled(string key);
}
