using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Grains;
using ALoRA.Grains.Hosting;
using ALoRA.Grains.Resilience;
using ALoRA.Grains.Training;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace ALoRA.Grains.Tests.Cluster;

/// <summary>
/// An in-process cluster of real silos with the ALoRA grains, file-backed grain storage and checkpoints under a
/// temporary folder (kept across <see cref="RestartAsync"/>), two CPU trainers per silo and the fake engine.
/// </summary>
internal sealed class ClusterHarness : IAsyncDisposable
{
    private readonly int _silos;
    private readonly bool _ownsDirectory;
    private readonly bool _tracing;

    private ITrainingEngine? _realEngine;
    private string _dataRoot = "";
    private string? _tokenFile;
    private Action<AloraClusterOptions>? _clusterOptions;
    private Action<AloraTrainerOptions>? _trainerOptions;

    private ClusterHarness(int silos, int trainersPerSilo, FakeTrainingEngine engine, string directory, bool ownsDirectory, bool tracing)
    {
        _tracing = tracing;
        _silos = silos;
        TrainersPerSilo = trainersPerSilo;
        Engine = engine;
        Directory = directory;
        _ownsDirectory = ownsDirectory;
    }

    public FakeTrainingEngine Engine { get; }

    /// <summary>CPU trainers on each silo of the next deployment (a restart may change it).</summary>
    public int TrainersPerSilo { get; set; }

    /// <summary>Counts (and can fail) the calls the grains receive, on every silo, across restarts.</summary>
    public GrainCallProbe Calls { get; } = new();

    public string Directory { get; }

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IClusterClient Client => Cluster.Client;

    public ISchedulerGrain Scheduler => Client.GetGrain<ISchedulerGrain>(SchedulerKeys.Default);

    /// <summary>
    /// The first silo's grain factory: its calls come from that silo (its hosted client), so methods marked
    /// <c>[SiloOnly]</c> accept them, as they accept a trainer's or the coordinator's.
    /// </summary>
    public IGrainFactory SiloGrains => Cluster.Silos[0].ServiceProvider.GetRequiredService<IGrainFactory>();

    /// <summary>Starts an in-process cluster and waits until its trainers are registered.</summary>
    /// <param name="silos">Silos in the cluster.</param>
    /// <param name="trainersPerSilo">CPU trainers on each silo.</param>
    /// <param name="engine">The fake engine the trainers run (a new one when null and no <paramref name="realEngine"/>).</param>
    /// <param name="directory">State and checkpoints folder (a new temporary one when null).</param>
    /// <param name="realEngine">A real engine instead of the fake one.</param>
    /// <param name="tracing">Turns on Orleans' trace context propagation (<c>AddActivityPropagation()</c>) on the silos and the client.</param>
    /// <param name="dataRoot">The silos' <c>Alora:DataRoot</c> (relative spec paths resolve against it); null: the working directory.</param>
    /// <param name="tokenFile">The silos' <c>Alora:Security:ClientTokenFile</c>; null: no token asked for.</param>
    /// <param name="clusterOptions">Changes the silos' <c>Alora</c> options after the harness's own.</param>
    /// <param name="trainerOptions">Changes the silos' <c>Alora:Trainers</c> options (slots, device memory) after the harness's own.</param>
    public static async Task<ClusterHarness> StartAsync(int silos = 2, int trainersPerSilo = 2, FakeTrainingEngine? engine = null, string? directory = null,
                                                        ITrainingEngine? realEngine = null, bool tracing = false, string? dataRoot = null, string? tokenFile = null,
                                                        Action<AloraClusterOptions>? clusterOptions = null, Action<AloraTrainerOptions>? trainerOptions = null)
    {
        var dir = directory ?? System.IO.Directory.CreateTempSubdirectory("alora-cluster-").FullName;
        var harness = new ClusterHarness(silos, trainersPerSilo, engine ?? new FakeTrainingEngine(), dir, directory is null, tracing)
        {
            _realEngine = realEngine,
            _dataRoot = dataRoot ?? "",
            _tokenFile = tokenFile,
            _clusterOptions = clusterOptions,
            _trainerOptions = trainerOptions,
        };
        await harness.DeployAsync();
        return harness;
    }

    public ISweepCoordinatorGrain Sweep(string id) => Client.GetGrain<ISweepCoordinatorGrain>(id);

    /// <summary>
    /// Stops every silo and deploys a new cluster on the same storage and checkpoint folders; <paramref name="whileStopped"/>
    /// runs in between, when no silo can write.
    /// </summary>
    public async Task RestartAsync(Func<Task>? whileStopped = null)
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        if (whileStopped is not null)
        {
            await whileStopped();
        }

        await DeployAsync();
    }

    /// <summary>
    /// Waits (re-checking whenever the engine makes progress, and at least every 50 ms) until <paramref name="condition"/>
    /// holds; a probe that fails transiently (<see cref="TransientFailures.IsTransientGrainCallFailure"/>) is asked again.
    /// </summary>
    public async Task<T> WaitForAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, TimeSpan? timeout = null, string? what = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        Exception? unanswered = null;
        while (true)
        {
            try
            {
                var value = await probe();
                if (condition(value))
                {
                    return value;
                }

                unanswered = null;
            }
            catch (Exception ex) when (TransientFailures.IsTransientGrainCallFailure(ex) && !cts.IsCancellationRequested)
            {
                // A probe sent while a killed silo is not yet known dead can go to it and time out, or be refused: ask again
                // (the probes only read, so the product's rule for retrying idempotent calls applies).
                unanswered = ex;
            }

            if (cts.IsCancellationRequested)
            {
                throw new TimeoutException($"timed out waiting for {what ?? "the condition"}", unanswered);
            }

            await Engine.Changed.WaitAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    public Task<SweepStatus> WaitForSweepAsync(string id, SweepState state = SweepState.Completed, TimeSpan? timeout = null) =>
        WaitForAsync(() => Sweep(id).GetStatusAsync(), s => s.State == state, timeout, $"sweep {id} to be {state}");

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        if (_ownsDirectory)
        {
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private async Task DeployAsync()
    {
        var builder = new InProcessTestClusterBuilder((short)_silos);
        var engine = _realEngine ?? Engine;
        var directory = Directory;
        var trainers = TrainersPerSilo;
        var tracing = _tracing;
        var dataRoot = _dataRoot;
        var calls = Calls;
        var configuration = _tokenFile is null
            ? null
            : new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Alora:Security:ClientTokenFile"] = _tokenFile }).Build();
        var clusterOptions = _clusterOptions;
        var trainerOptions = _trainerOptions;
        if (tracing)
        {
            builder.ConfigureClient(c => c.AddActivityPropagation());
        }

        builder.ConfigureSilo((options, silo) =>
        {
            silo.AddIncomingGrainCallFilter(calls.OnCallAsync);
            silo.Services.AddSingleton<ITrainingEngine>(engine);
            silo.UseAloraSilo(new AloraSiloSetup
            {
                DataDirectory = directory,
                ActivityPropagation = tracing,
                Configuration = configuration,
                Trainers = o =>
                {
                    o.DiscoverCuda = false;
                    o.Devices = [.. Enumerable.Range(0, trainers).Select(i => $"cpu:{i}")];
                    o.CpuTrainers = trainers; // 0: the silos do not train
                    trainerOptions?.Invoke(o);
                },
                Cluster = o =>
                {
                    o.SchedulerInterval = TimeSpan.FromMilliseconds(200);
                    o.HeartbeatInterval = TimeSpan.FromMilliseconds(500);
                    o.DataRoot = dataRoot;
                    clusterOptions?.Invoke(o);
                },
            });
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }
}
