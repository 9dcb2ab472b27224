using System.Net;
using System.Net.Sockets;
using ALoRA.Abstractions.Grains;
using ALoRA.Cli.Connection;
using ALoRA.Cli.Local;
using ALoRA.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Networking.Shared;
using Orleans.Runtime.Messaging;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace ALoRA.Cli.Cluster;

/// <summary>
/// Opens an <see cref="OrleansSweepCluster"/>: an Orleans client to a gateway (each attempt bounded in time, retried
/// with backoff while the failure is transient), or, with <c>--local</c>, a silo hosted in this process by the local
/// runtime (ALoRA.Cli.Local, loaded only then).
/// </summary>
/// <param name="local">The local runtime, for <c>--local</c>.</param>
internal sealed class OrleansClusterConnector(ILocalRuntimeProvider local) : IClusterConnector
{
    /// <inheritdoc />
    public async Task<ISweepCluster> ConnectAsync(ConnectionSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Local)
        {
            var silo = await local.Runtime.StartSiloAsync(settings, cancellationToken);
            return new OrleansSweepCluster(silo, silo.Services.GetRequiredService<IGrainFactory>(), $"local silo ({settings.DataDirectory})");
        }

        var endpoint = await ResolveAsync(settings.Gateway, cancellationToken);
        var token = settings.Security.ReadToken();
        var tls = settings.Security.UsesTls ? settings.Security.LoadTls() : null;
        IHost? connected = null;
        try
        {
            await Pipeline(settings.ConnectTimeout).ExecuteAsync(
                async ct =>
                {
                    var host = CreateClient(settings, endpoint, token, tls);
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
                $"start a silo (dotnet silo/ALoRA.Silo/bin/Release/net10.0/alora-silo.dll), pass --gateway HOST:PORT or set {Connection.ConnectionOptions.GatewayVariable}, or use --local; " +
                (settings.Security.UsesTls
                    ? "with TLS, the gateway's certificate must chain to --tls-ca, and a client certificate (--tls-cert) to the cluster's CA"
                    : "a cluster with TLS needs --tls-ca (docs/security.md)"),
                ex);
        }

        return new OrleansSweepCluster(connected!, connected!.Services.GetRequiredService<IClusterClient>(), $"gateway {settings.Gateway}");
    }

    private static IHost CreateClient(ConnectionSettings settings, IPEndPoint endpoint, string? token, Action<Orleans.Connections.Security.TlsOptions>? tls)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.AddAloraTelemetry("alora-cli");
        builder.UseOrleansClient(c =>
        {
            c.AddActivityPropagation();
            c.UseStaticClustering(endpoint);
            c.Configure<ClusterOptions>(o => (o.ServiceId, o.ClusterId) = (settings.ServiceId, settings.ClusterId));
            if (token is not null)
            {
                // Every call carries the cluster's client token (docs/security.md).
                c.AddOutgoingGrainCallFilter(call =>
                {
                    RequestContext.Set(ClientToken.RequestContextKey, token);
                    return call.Invoke();
                });
            }

            if (tls is not null)
            {
                c.UseTls(tls);
            }
        });
        return builder.Build();
    }

    /// <summary>
    /// Up to 4 retries with exponential backoff (1 s to 5 s) of a refused, dropped, busy or timed-out attempt, each attempt
    /// bounded by a third of the connect timeout (at least 2 s), all of it by the connect timeout.
    /// </summary>
    private static ResiliencePipeline Pipeline(TimeSpan total) => new ResiliencePipelineBuilder { Name = "alora-client-connect" }
        .AddTimeout(total)
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is TimeoutRejectedException or ConnectionFailedException
                or SocketConnectionException or SocketException or OrleansMessageRejectionException or GatewayTooBusyException or TimeoutException),
            MaxRetryAttempts = 4,
            BackoffType = DelayBackoffType.Exponential,
            Delay = TimeSpan.FromSeconds(1),
            MaxDelay = TimeSpan.FromSeconds(5),
            UseJitter = true,
        })
        .AddTimeout(TimeSpan.FromSeconds(Math.Max(2, total.TotalSeconds / 3)))
        .Build();

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
}
