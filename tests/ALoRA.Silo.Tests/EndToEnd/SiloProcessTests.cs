using System.Net;
using System.Net.Sockets;
using ALoRA.Abstractions.Grains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ALoRA.Silo.Tests.EndToEnd;

/// <summary>The silo as a real process on free localhost ports, reached by a real Orleans client over TCP.</summary>
public sealed class SiloProcessTests : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(20);
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("alora-silo-process-");

    [Fact]
    public async Task Silo_StartsRegistersItsTrainerAndStopsCleanlyOnSigterm()
    {
        var ports = SiloPorts.FreeTcpPorts(3);
        var (siloPort, gatewayPort, healthPort) = (ports[0], ports[1], ports[2]);
        var siloName = $"test-{Guid.NewGuid():N}"[..13];
        var clusterId = $"silo-tests-{Guid.NewGuid():N}";
        var data = Path.Combine(_directory.FullName, "data");
        await using var silo = SiloProcess.Start(
            new Dictionary<string, string>
            {
                ["Alora__Silo__SiloName"] = siloName,
                ["Alora__Silo__ClusterId"] = clusterId,
                ["Alora__Silo__SiloPort"] = $"{siloPort}",
                ["Alora__Silo__GatewayPort"] = $"{gatewayPort}",
                ["Alora__Silo__HealthPort"] = $"{healthPort}",
                ["Alora__Silo__DataDirectory"] = data,
                ["Alora__Silo__ShutdownTimeout"] = ShutdownTimeout.ToString(),
                ["Alora__Trainers__Devices__0"] = "cpu:0",
                ["Alora__Trainers__DiscoverCuda"] = "false",
                ["Alora__Trainers__Slots"] = "2",
            },
            _directory.FullName);

        await silo.WaitForOutputAsync("Application started", StartTimeout);
        // The silo is active and its trainer registered once the host has started: live and ready.
        Assert.Equal(HttpStatusCode.OK, await SiloProcess.GetStatusAsync(healthPort, "/health/live"));
        Assert.Equal(HttpStatusCode.OK, await SiloProcess.GetStatusAsync(healthPort, "/health/ready"));

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(c => c.UseLocalhostClustering(gatewayPort, "alora", clusterId));
        using (var client = builder.Build())
        {
            using (var connect = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            {
                await client.StartAsync(connect.Token);
            }

            var scheduler = client.Services.GetRequiredService<IClusterClient>().GetGrain<ISchedulerGrain>(SchedulerKeys.Default);
            var status = await scheduler.GetClusterStatusAsync();
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (status.Trainers.All(t => t.Key != $"{siloName}/cpu:0") && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
                status = await scheduler.GetClusterStatusAsync();
            }

            var device = Assert.Single(status.Trainers, t => t.Key == $"{siloName}/cpu:0");
            Assert.Equal([$"{siloName}/cpu:0", $"{siloName}/cpu:0#1"], device.Slots.Select(s => s.Trainer)); // one registration, two slots
            Assert.True(device.DeviceMemoryBytes is > 0, "the device registered its memory with its slots");
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await client.StopAsync(stop.Token);
        }

        Assert.True(Directory.Exists(Path.Combine(data, "state")), $"no grain state under {data}:\n{silo.Output}");
        silo.Terminate();
        var exitCode = await silo.WaitForExitAsync(ShutdownTimeout + TimeSpan.FromSeconds(15));

        Assert.True(exitCode == 0, $"exit code {exitCode}; output:\n{silo.Output}");
    }

    [Theory]
    [InlineData("GatewayPort")]
    [InlineData("SiloPort")]
    public async Task Silo_PortTakenByAnotherProcess_ExitsWithCode2NamingTheKey(string setting)
    {
        var free = SiloPorts.FreeTcpPorts(2);
        var ports = new Dictionary<string, int> { ["SiloPort"] = free[0], ["GatewayPort"] = free[1] };

        // Another listener with address reuse on, as Orleans' own listeners have: without the check the silo shared it.
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, ports[setting]));
        taken.Listen();
        await using var silo = SiloProcess.Start(
            new Dictionary<string, string>
            {
                ["Alora__Silo__SiloPort"] = $"{ports["SiloPort"]}",
                ["Alora__Silo__GatewayPort"] = $"{ports["GatewayPort"]}",
                ["Alora__Silo__DataDirectory"] = Path.Combine(_directory.FullName, "data"),
                ["Alora__Silo__HealthPort"] = "0",
                ["Alora__Trainers__DiscoverCuda"] = "false",
            },
            _directory.FullName);

        var exitCode = await silo.WaitForExitAsync(StartTimeout);

        Assert.True(exitCode == 2, $"exit code {exitCode}; output:\n{silo.Output}");
        Assert.Contains($"Alora:Silo:{setting} = {ports[setting]}: the port is already in use on this machine (something accepts connections there)", silo.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", silo.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Alora__Silo__SiloPort", "0", "Alora:Silo:SiloPort must be between 1 and 65535, got 0")]
    [InlineData("Alora__Trainers__Devices__0", "gpu:0", "Alora:Trainers:Devices:0 = 'gpu:0' is not a device")]
    [InlineData("Alora__Silo__HealthPort", "-1", "Alora:Silo:HealthPort must be between 1 and 65535, or 0 to turn the health endpoints off, got -1")]
    [InlineData("Alora__Trainers__Slots", "0", "Alora:Trainers:Slots: The field Slots must be between 1 and 64 (got 0)")]
    public async Task Silo_InvalidSetting_ExitsWithCode2NamingTheKey(string variable, string value, string expected)
    {
        var free = SiloPorts.FreeTcpPorts(2);
        var (siloPort, gatewayPort) = (free[0], free[1]);
        await using var silo = SiloProcess.Start(
            new Dictionary<string, string>
            {
                ["Alora__Silo__SiloPort"] = $"{siloPort}",
                ["Alora__Silo__GatewayPort"] = $"{gatewayPort}",
                ["Alora__Silo__DataDirectory"] = Path.Combine(_directory.FullName, "data"),
                ["Alora__Silo__HealthPort"] = "0",
                ["Alora__Trainers__DiscoverCuda"] = "false",
                [variable] = value,
            },
            _directory.FullName);

        var exitCode = await silo.WaitForExitAsync(StartTimeout);

        Assert.True(exitCode == 2, $"exit code {exitCode}; output:\n{silo.Output}");
        Assert.Contains(expected, silo.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", silo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void BuiltSilo_UsesServerGarbageCollection()
    {
        var runtimeConfig = File.ReadAllText(Path.ChangeExtension(SiloProcess.DllPath, ".runtimeconfig.json"));

        Assert.Contains("\"System.GC.Server\": true", runtimeConfig, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
