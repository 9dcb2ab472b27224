using System.Net;
using System.Net.Sockets;
using ALoRA.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ALoRA.Silo.Tests.Hosting;

/// <summary>The health endpoints without a silo (no trainers: never ready); the ready answer of a real silo is in the process tests.</summary>
public sealed class SiloHealthEndpointTests
{
    [Fact]
    public async Task Endpoints_WithoutASilo_LiveIs200_ReadyIs503_OthersAre404()
    {
        var port = FreePort();
        var health = Create(port);
        Assert.False(health.IsListening);
        await health.StartAsync(CancellationToken.None);
        try
        {
            Assert.True(health.IsListening);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var live = await http.GetAsync($"http://127.0.0.1:{port}/health/live");
            var ready = await http.GetAsync($"http://127.0.0.1:{port}/health/ready");
            var other = await http.GetAsync($"http://127.0.0.1:{port}/metrics");
            var post = await http.PostAsync($"http://127.0.0.1:{port}/health/live", null);

            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            Assert.Equal("live\n", await live.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
            Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        }
        finally
        {
            await health.StopAsync(CancellationToken.None);
            Assert.False(health.IsListening);
            health.Dispose();
        }

        using var after = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => after.GetAsync($"http://127.0.0.1:{port}/health/live"));
    }

    [Fact]
    public async Task Start_WhileAProberKeepsConnecting_StartsAndAnswers()
    {
        // .NET's HttpListener, which served these endpoints before, threw from Start when a connection was already
        // waiting (a prober polling a starting silo), and the silo died with it.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        for (var round = 0; round < 10; round++)
        {
            var port = FreePort();
            using var stop = new CancellationTokenSource();
            var prober = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        using var client = new TcpClient();
                        await client.ConnectAsync(IPAddress.Loopback, port, stop.Token);
                    }
                    catch (Exception ex) when (ex is SocketException or OperationCanceledException)
                    {
                    }
                }
            });
            await Task.Delay(20);
            using var health = Create(port);
            await health.StartAsync(CancellationToken.None);
            try
            {
                var live = await http.GetAsync($"http://127.0.0.1:{port}/health/live");
                Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            }
            finally
            {
                await stop.CancelAsync();
                await prober.WaitAsync(TimeSpan.FromSeconds(10));
                await health.StopAsync(CancellationToken.None);
            }
        }
    }

    [Fact]
    public async Task Start_PortInUse_FailsAsAConfigurationErrorNamingTheSetting()
    {
        using var taken = new TcpListener(IPAddress.Any, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        using var health = Create(port);

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => health.StartAsync(CancellationToken.None));

        var messages = SiloStartupFailure.Describe(ex);
        Assert.NotNull(messages);
        Assert.StartsWith($"Alora:Silo:HealthPort = {port}: cannot serve the health endpoints there", Assert.Single(messages), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_PortZero_OpensNoListener()
    {
        using var health = Create(0);

        await health.StartAsync(CancellationToken.None);

        // IsListening is true while a started endpoint serves (the test above), so false here means no listener was opened.
        Assert.False(health.IsListening);
        await health.StopAsync(CancellationToken.None);
        Assert.False(health.IsListening);
    }

    private static SiloHealthEndpoint Create(int port) =>
        new(Options.Create(new SiloHostOptions { HealthPort = port }), new ServiceCollection().BuildServiceProvider(), new FakeLifetime(),
            NullLogger<SiloHealthEndpoint>.Instance);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class FakeLifetime : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication()
        {
        }
    }
}
