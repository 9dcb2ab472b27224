using System.Diagnostics;
using System.Net;
using ALoRA.Abstractions.Grains;
using ALoRA.Abstractions.Trials;
using ALoRA.Sweeps;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace ALoRA.Silo.Tests.EndToEnd;

/// <summary>
/// SIGTERM on a real silo process that is training: its trainer checkpoints and releases the trial, which is requeued
/// and resumes on another silo; the process exits 0 within its shutdown timeout. Three processes of one localhost
/// cluster share grain state and checkpoints through one folder (a shared volume): the primary (which holds the
/// development membership table, so it must outlive the others, and trains nothing) and two silos with one CPU trainer
/// each. The trial is real TorchSharp training of stories260K.
/// </summary>
public sealed class GracefulDrainTests(ITestOutputHelper log) : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(30);
    private const int Steps = 300;

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("alora-drain-");
    private readonly string _clusterId = $"drain-{Guid.NewGuid():N}";
    private readonly List<SiloProcess> _silos = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        log.WriteLine(Output());
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }

        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Sigterm_OnTheSiloTrainingATrial_CheckpointsAndRequeues_TrialResumesOnTheOtherSilo_ProcessExits0InTime()
    {
        var data = SmallSst2();
        var ports = SiloPorts.FreeTcpPorts(9);
        var primary = Start("drain-p", ports[0], ports[1], ports[2], primary: null, trainers: false);
        await primary.Process.WaitForOutputAsync("Application started", StartTimeout);
        var workers = new[]
        {
            Start("drain-b", ports[3], ports[4], ports[5], primary: ports[0], trainers: true),
            Start("drain-c", ports[6], ports[7], ports[8], primary: ports[0], trainers: true),
        };
        await Task.WhenAll(workers.Select(w => w.Process.WaitForOutputAsync("Application started", StartTimeout)));
        foreach (var worker in workers)
        {
            Assert.Equal(HttpStatusCode.OK, await SiloProcess.GetStatusAsync(worker.HealthPort, "/health/ready"));
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(c => c.UseLocalhostClustering(ports[1], "alora", _clusterId));
        using var client = builder.Build();
        using (var connect = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await client.StartAsync(connect.Token);
        }

        var grains = client.Services.GetRequiredService<IClusterClient>();
        var sweep = grains.GetGrain<ISweepCoordinatorGrain>("drain");
        await sweep.SubmitAsync(SweepDefinitions.From(SweepSpecParser.Parse(Spec(data))));
        var running = await PollAsync(() => sweep.GetStatusAsync(), s => s.Trials[0].State == TrialState.Running && s.Trials[0].Step >= 30,
            TimeSpan.FromSeconds(120), "the trial to pass its step-20 checkpoint", Output);
        var victim = workers.Single(w => running.Trials[0].Trainer!.StartsWith(w.Name + "/", StringComparison.Ordinal));
        var survivor = workers.Single(w => w != victim);

        var stopwatch = Stopwatch.StartNew();
        victim.Process.Terminate();
        var exitCode = await victim.Process.WaitForExitAsync(ShutdownTimeout);
        var exitedAfter = stopwatch.Elapsed;
        log.WriteLine($"{victim.Name} exited {exitCode} {exitedAfter.TotalSeconds:0.0} s after SIGTERM");

        Assert.True(exitCode == 0, $"exit code {exitCode}; output:\n{victim.Process.Output}");
        Assert.True(exitedAfter < ShutdownTimeout, $"took {exitedAfter}");
        Assert.Contains("is stopping: draining 1 trainers", victim.Process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("drain did not finish", victim.Process.Output, StringComparison.Ordinal);

        var done = await PollAsync(() => sweep.GetStatusAsync(), s => s.Trials[0].State.IsFinal(), TimeSpan.FromSeconds(180), "the trial to finish", Output);
        var trial = done.Trials[0];
        var details = await grains.GetGrain<IExperimentGrain>(trial.TrialId).GetDetailsAsync();
        var history = $"attempts:\n{string.Join("\n", details.Attempts)}\n{Output()}";
        Assert.True(trial.State == TrialState.Completed, $"{trial.State}: {trial.Error}\n{history}");
        Assert.True(trial.Attempt == 2, history);
        Assert.True(trial.InfrastructureRetries == 1, history);
        Assert.Equal(0, trial.TrialFailures);
        Assert.StartsWith(survivor.Name + "/cpu:0@", trial.Trainer);
        Assert.Contains("attempt 1: released (its trainer was drained)", details.Attempts);
        var resumed = Assert.Single(details.Attempts, a => a.StartsWith("attempt 2: resumed from the checkpoint at step ", StringComparison.Ordinal));
        Assert.True(int.Parse(resumed.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture) >= 30, resumed);
        Assert.Equal(Steps, details.StepLosses.Count);
        Assert.All(details.StepLosses, l => Assert.True(double.IsFinite(l)));

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client.StopAsync(stop.Token);
    }

    private string Output() => string.Join("\n", _silos.Select(s => $"--- silo {s.Id} ---\n{s.Output}"));

    private Worker Start(string name, int siloPort, int gatewayPort, int healthPort, int? primary, bool trainers)
    {
        var environment = new Dictionary<string, string>
        {
            ["Alora__Silo__SiloName"] = name,
            ["Alora__Silo__ClusterId"] = _clusterId,
            ["Alora__Silo__SiloPort"] = $"{siloPort}",
            ["Alora__Silo__GatewayPort"] = $"{gatewayPort}",
            ["Alora__Silo__HealthPort"] = $"{healthPort}",
            ["Alora__Silo__DataDirectory"] = Path.Combine(_directory.FullName, name),
            ["Alora__Silo__ShutdownTimeout"] = ShutdownTimeout.ToString(),
            // Like a volume every silo mounts: grain state and checkpoints are shared.
            ["Alora__Storage__RootDirectory"] = Path.Combine(_directory.FullName, "shared", "state"),
            ["Alora__Checkpoints__RootDirectory"] = Path.Combine(_directory.FullName, "shared", "checkpoints"),
            ["Alora__Trainers__DiscoverCuda"] = "false",
            ["Alora__Trainers__TorchThreads"] = "1",
            ["Alora__Trainers__CpuTrainers"] = trainers ? "1" : "0",
        };
        if (primary is { } p)
        {
            environment["Alora__Silo__PrimarySiloEndpoint"] = $"127.0.0.1:{p}";
        }

        var process = SiloProcess.Start(environment, _directory.FullName);
        _silos.Add(process);
        return new Worker(name, process, healthPort);
    }

    private static async Task<T> PollAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, TimeSpan timeout, string what, Func<string> output)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await probe();
            if (condition(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after {timeout} waiting for {what}; silos:\n{output()}");
            }

            await Task.Delay(250);
        }
    }

    private static string Spec(string data) => $$"""
        id: drain
        model: {{Path.Combine(RepositoryPaths.Root, "samples", "models", "stories260K")}}
        data: {{data}}
        task: sst2
        seeds: [3]
        method: lora
        training: {learning_rate: 5.0e-3, batch_size: 16, max_steps: {{Steps}}, eval_every_steps: 150, checkpoint_every_steps: 20, max_sequence_length: 64, max_dev_examples: 32}
        """;

    /// <summary>The start of the shipped SST-2 (train 512, validation 64, test 64 rows): the full test split alone takes seconds.</summary>
    private string SmallSst2()
    {
        var source = Path.Combine(RepositoryPaths.Root, "samples", "data", "sst2");
        var target = Directory.CreateDirectory(Path.Combine(_directory.FullName, "sst2")).FullName;
        foreach (var (file, rows) in new[] { ("train.jsonl", 512), ("validation.jsonl", 64), ("test.jsonl", 64) })
        {
            File.WriteAllLines(Path.Combine(target, file), File.ReadLines(Path.Combine(source, file)).Take(rows));
        }

        return target;
    }

    private sealed record Worker(string Name, SiloProcess Process, int HealthPort);
}
