using System.Collections.Immutable;
using ALoRA.Abstractions.Cluster;
using ALoRA.Abstractions.Grains;
using ALoRA.Grains.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ALoRA.Grains.Trainers;

/// <summary>
/// Brings this silo's trainers up when the silo becomes active: discovers its devices, registers them with the
/// scheduler (each device's slots, memory and dtypes, one registration) and starts each slot's trainer (which then pulls
/// work); re-announces them every heartbeat, which also restarts a trainer that was deactivated or lost a notification. A failed announcement (the scheduler cannot be reached or
/// activated) never stops the silo: it is logged and retried every heartbeat, and the silo reports ready once one
/// succeeds. When the silo stops (SIGTERM included), drains them first: each running trial is checkpointed and released,
/// so it is requeued and resumes elsewhere.
/// </summary>
public sealed partial class DeviceHost(
    IGrainFactory grains,
    Training.ITrainingEngine engine,
    ILocalSiloDetails silo,
    IOptions<AloraTrainerOptions> trainerOptions,
    IOptions<AloraClusterOptions> clusterOptions,
    ILogger<DeviceHost> logger) : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private ImmutableList<string> _keys = [];
    private ImmutableList<DeviceRegistration> _devices = [];
    private Task _heartbeat = Task.CompletedTask;
    private volatile bool _ready;

    /// <summary>This silo's trainer keys, one per slot of each device.</summary>
    public ImmutableList<string> TrainerKeys => _keys;

    /// <summary>
    /// True once the silo is active and its trainers are registered with the scheduler and started; false before, and
    /// again from the moment the silo starts stopping (the readiness probe of the silo process).
    /// </summary>
    public bool IsReady => _ready;

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(DeviceHost), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    /// <inheritdoc />
    public void Dispose() => _stopping.Dispose();

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        var devices = DeviceDiscovery.Discover(trainerOptions.Value);
        var slots = trainerOptions.Value.Slots;
        var memory = DeviceMemory.For(devices, trainerOptions.Value);
        var dtypes = ProbeDTypes(devices);
        _devices = [.. devices.Select(d => new DeviceRegistration
        {
            Key = Trainers.TrainerKeys.Of(silo.Name, d), Slots = slots, MemoryBytes = memory[d], DTypes = dtypes.GetValueOrDefault(d),
        })];
        _keys = [.. _devices.SelectMany(d => Enumerable.Range(0, slots).Select(i => Trainers.TrainerKeys.OfSlot(d.Key, i)))];
        LogDevices(silo.Name, string.Join(", ", devices.Select(d => $"{d} ({ALoRA.Sweeps.Planning.TrainingMemoryEstimate.Gib(memory[d])}; {slots} slots" +
            (dtypes.TryGetValue(d, out var dt) ? $"; {string.Join(", ", dt)}" : "") + ")")));
        await TryAnnounceAsync();
        _heartbeat = HeartbeatAsync(_stopping.Token);
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        _ready = false;
        await _stopping.CancelAsync();
        try
        {
            await _heartbeat;
        }
        catch (OperationCanceledException)
        {
        }

        _ready = false; // an announcement that was under way when the stop began may have set it

        if (_keys.IsEmpty)
        {
            return;
        }

        LogDraining(silo.Name, _keys.Count);
        try
        {
            await Task.WhenAll(_keys.Select(k => grains.GetGrain<ITrainerGrain>(k).DrainAsync())).WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException or OrleansException)
        {
            LogDrainFailed(silo.Name, ex.Message);
        }
    }

    private async Task AnnounceAsync()
    {
        if (_keys.IsEmpty)
        {
            return;
        }

        var scheduler = grains.GetGrain<ISchedulerGrain>(SchedulerKeys.Default);
        await scheduler.RegisterTrainersAsync(silo.SiloAddress.ToParsableString(), _devices);
        await Task.WhenAll(_keys.Select(k => grains.GetGrain<ITrainerGrain>(k).StartAsync()));
    }

    /// <summary>
    /// The dtypes each device computes, by device (<see cref="Training.ITrainingEngine.ComputableDTypes"/>); a device
    /// the engine cannot probe (no native runtime, a GPU this process cannot use) is left out and logged: nothing is then
    /// refused at submit for it, and a trial that asks it for a dtype it cannot compute fails when it starts.
    /// </summary>
    private Dictionary<string, ImmutableList<string>> ProbeDTypes(IReadOnlyList<string> devices)
    {
        var result = new Dictionary<string, ImmutableList<string>>(StringComparer.Ordinal);
        foreach (var device in devices)
        {
            try
            {
                if (engine.ComputableDTypes(device) is { } dtypes)
                {
                    result[device] = [.. dtypes];
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogDTypeProbeFailed(silo.Name, device, ex.Message);
            }
        }

        return result;
    }

    private async Task HeartbeatAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(clusterOptions.Value.HeartbeatInterval);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            await TryAnnounceAsync();
        }
    }

    /// <summary>Announces the trainers; a failure is logged (the next heartbeat tries again), never thrown.</summary>
    private async Task TryAnnounceAsync()
    {
        try
        {
            await AnnounceAsync();
            _ready = !_stopping.IsCancellationRequested;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogHeartbeatFailed(silo.Name, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo {Silo} trains on: {Devices}")]
    private partial void LogDevices(string silo, string devices);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Silo {Silo}: the dtypes {Device} computes could not be probed: {Error}")]
    private partial void LogDTypeProbeFailed(string silo, string device, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo {Silo} is stopping: draining {Count} trainers")]
    private partial void LogDraining(string silo, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Silo {Silo}: drain did not finish: {Error}")]
    private partial void LogDrainFailed(string silo, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Silo {Silo}: trainer heartbeat failed: {Error}")]
    private partial void LogHeartbeatFailed(string silo, string error);
}
