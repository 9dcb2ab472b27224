using System.Net;
using System.Text;
using ALoRA.Grains.Trainers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ALoRA.Silo.Hosting;

/// <summary>
/// The HTTP health endpoints of the silo process for Kubernetes probes, on <see cref="SiloHostOptions.HealthPort"/>
/// (all interfaces; <c>0</c>: off), served by <see cref="HttpListener"/> so the silo needs no ASP.NET Core:
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

    private HttpListener? _listener;
    private Task _serving = Task.CompletedTask;

    /// <summary>Whether the silo is ready for work: active, trainers registered, not stopping.</summary>
    public bool IsReady =>
        !lifetime.ApplicationStopping.IsCancellationRequested && services.GetService<DeviceHost>() is { IsReady: true };

    /// <summary>Whether the endpoints are being served (started on a port other than 0, not stopped).</summary>
    public bool IsListening => _listener?.IsListening == true;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var port = options.Value.HealthPort;
        if (port == 0)
        {
            LogDisabled(SiloHostOptionsValidator.Key(nameof(SiloHostOptions.HealthPort)));
            return Task.CompletedTask;
        }

        var listener = new HttpListener();
        listener.Prefixes.Add($"http://+:{port}/");
        try
        {
            listener.Start();
        }
        catch (HttpListenerException ex)
        {
            ((IDisposable)listener).Dispose();
            var key = SiloHostOptionsValidator.Key(nameof(SiloHostOptions.HealthPort));
            throw new OptionsValidationException(key, typeof(SiloHostOptions),
                [$"{key} = {port}: cannot serve the health endpoints there ({ex.Message}); choose a free port, or 0 to turn them off"]);
        }

        _listener = listener;
        _serving = Task.Run(() => ServeAsync(listener), CancellationToken.None);
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
        listener.Stop();
        await _serving.WaitAsync(cancellationToken).ConfigureAwait(false);
        listener.Close();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_listener is { } listener)
        {
            _listener = null;
            listener.Close();
        }
    }

    private async Task ServeAsync(HttpListener listener)
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }

            try
            {
                Respond(context);
            }
            catch (Exception ex)
            {
                // The prober went away, or the request was odd: drop it, keep serving.
                LogRequestFailed(ex.Message);
                context.Response.Abort();
            }
        }
    }

    private void Respond(HttpListenerContext context)
    {
        var request = context.Request;
        var (status, body) = request.Url?.AbsolutePath.TrimEnd('/') switch
        {
            _ when request.HttpMethod is not ("GET" or "HEAD") => (HttpStatusCode.MethodNotAllowed, "only GET and HEAD\n"),
            LivePath => (HttpStatusCode.OK, "live\n"),
            ReadyPath => IsReady ? (HttpStatusCode.OK, "ready\n") : (HttpStatusCode.ServiceUnavailable, "not ready\n"),
            _ => (HttpStatusCode.NotFound, $"not found; try {LivePath} or {ReadyPath}\n"),
        };
        var response = context.Response;
        var bytes = Encoding.UTF8.GetBytes(body);
        response.StatusCode = (int)status;
        response.ContentType = "text/plain; charset=utf-8";
        response.Headers["Cache-Control"] = "no-store";
        response.ContentLength64 = bytes.Length;
        if (request.HttpMethod != "HEAD")
        {
            response.OutputStream.Write(bytes);
        }

        // Close, not Dispose: disposing a response aborts the connection.
        response.Close();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Health endpoints on port {Port}: /health/live, /health/ready")]
    private partial void LogListening(int port);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Health endpoint: a request failed: {Error}")]
    private partial void LogRequestFailed(string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Health endpoints off ({Key} = 0)")]
    private partial void LogDisabled(string key);
}
