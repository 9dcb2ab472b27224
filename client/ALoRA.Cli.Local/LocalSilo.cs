using System.Net;
using System.Net.Sockets;
using ALoRA.Cli.Connection;
using ALoRA.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace ALoRA.Cli.Local;

/// <summary>
/// The silo of <c>--local</c> and <c>alora demo</c>, hosted in the <c>alora</c> process with the embedded defaults:
/// localhost clustering on free ports, file-backed state and checkpoints under the data directory (so finished work is
/// kept between runs), the configured number of CPU trainers.
/// </summary>
internal static class LocalSilo
{
    /// <summary>Starts it.</summary>
    public static async Task<IHost> StartAsync(ConnectionSettings settings, CancellationToken cancellationToken)
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
                Cluster = o => o.DataRoot = settings.LocalDataRoot ?? "",
            });
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return host;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
