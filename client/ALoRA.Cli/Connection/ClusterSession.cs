using System.Net;
using System.Net.Sockets;
using ALoRA.Grains.Diagnostics;
using ALoRA.Grains.Hosting;
using ALoRA.Grains.Resilience;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace ALoRA.Cli.Connection;

/// <summary>
/// A connection to a cluster: an Orleans client to a gateway (each attempt bounded in time, retried with backoff
/// through the <c>alora-client-connect</c> Polly pipeline), or, with <c>--local</c>, a silo hosted in this process
/// with the embedded defaults (localhost clustering on free ports, file-backed state and checkpoints under the data
/// directory), so finished work is kept between runs.
/// </summary>
internal sealed class ClusterSession : IAsyncDisposable
{
    private readonly IHost _host;

    private ClusterSession(IHost host, IGrainFactory grains, string description)
    {
        _host = host;
        Grains = grains;
        Description = description;
    }

    /// <summary>Grain factory of the connection.</summary>
    public IGrainFactory Grains { get; }

    /// <summary>What it is connected to, for messages.</summary>
    public string Description { get; }

    /// <summary>Connects (or starts the local silo) as <paramref name="settings"/> say.</summary>
    /// <exception cref="ClusterUnavailableException">No gateway answered in time.</exception>
    public static Task<ClusterSession> OpenAsync(ConnectionSettings settings, CancellationToken cancellationToken) =>
        settings.Local ? StartLocalAsync(settings, cancellationToken) : ConnectAsync(settings, cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _host.StopAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
        }

        _host.Dispose();
    }

    private static async Task<ClusterSession> ConnectAsync(ConnectionSettings settings, CancellationToken cancellationToken)
    {
        var endpoint = await ResolveAsync(settings.Gateway, cancellationToken);
        var pipeline = AloraResiliencePipelines.CreateClientConnect(new AloraRetryOptions
        {
            MaxRetryAttempts = 4,
            BaseDelay = TimeSpan.FromSeconds(1),
            MaxDelay = TimeSpan.FromSeconds(5),
            AttemptTimeout = TimeSpan.FromSeconds(Math.Max(2, settings.ConnectTimeout.TotalSeconds / 3)),
            TotalTimeout = settings.ConnectTimeout,
        });
        IHost? connected = null;
        try
        {
            await pipeline.ExecuteAsync(
                async ct =>
                {
                    var builder = Host.CreateApplicationBuilder();
                    builder.Logging.ClearProviders();
                    builder.AddAloraTelemetry("alora-cli");
                    builder.UseOrleansClient(c =>
                    {
                        c.AddActivityPropagation();
                        c.UseStaticClustering(endpoint);
                        c.Configure<ClusterOptions>(o => (o.ServiceId, o.ClusterId) = (settings.ServiceId, settings.ClusterId));
                    });
                    var host = builder.Build();
                    try
                    {
                        await host.StartAsync(ct);
                        connected = host;
                    }
                    catch
                    {
                        host.Dispose();
                        throw;
                    }
                },
                cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new ClusterUnavailableException(
                $"no ALoRA cluster answered at {settings.Gateway} within {settings.ConnectTimeout.TotalSeconds:0} s ({ex.GetType().Name}: {ex.Message}); " +
                $"start a silo (dotnet silo/ALoRA.Silo/bin/Release/net10.0/alora-silo.dll), pass --gateway HOST:PORT or set {ConnectionOptions.GatewayVariable}, or use --local",
                ex);
        }

        return new ClusterSession(connected!, connected!.Services.GetRequiredService<IClusterClient>(), $"gateway {settings.Gateway}");
    }

    private static async Task<ClusterSession> StartLocalAsync(ConnectionSettings settings, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(settings.DataDirectory);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Orleans", LogLevel.Error);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(60));
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(FreePort(), FreePort(), null, settings.ServiceId, "alora-local");
            silo.Configure<SiloOptions>(o => o.SiloName = "local");
            silo.UseAloraSilo(new AloraSiloSetup
            {
                DataDirectory = settings.DataDirectory,
                Configuration = builder.Configuration,
                TelemetryServiceName = "alora-cli",
                Trainers = o => o.CpuTrainers = settings.LocalCpuTrainers,
            });
        });
        var host = builder.Build();
        await host.StartAsync(cancellationToken);
        return new ClusterSession(host, host.Services.GetRequiredService<IGrainFactory>(), $"local silo ({settings.DataDirectory})");
    }

    private static async Task<IPEndPoint> ResolveAsync(string gateway, CancellationToken cancellationToken)
    {
        var colon = gateway.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(gateway[(colon + 1)..], out var port) || port is < 1 or > 65535)
        {
            throw new ArgumentException($"--gateway must be HOST:PORT, got '{gateway}'");
        }

        var host = gateway[..colon];
        if (IPAddress.TryParse(host, out var ip))
        {
            return new IPEndPoint(ip, port);
        }

        try
        {
            var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken);
            var address = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.First();
            return new IPEndPoint(address, port);
        }
        catch (SocketException ex)
        {
            throw new ClusterUnavailableException($"--gateway host '{host}' does not resolve: {ex.Message}", ex);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
