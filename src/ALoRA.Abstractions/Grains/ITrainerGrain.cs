using Orleans.Concurrency;
namespace ALoRA.Abstractions.Grains;

/// <summary>
/// One device of one silo (key: <c>&lt;silo name&gt;/&lt;device&gt;</c>, e.g. <c>node-a/cuda:0</c> or
/// <c>node-a/cpu:0</c>), always activated on the silo that owns the device. Pulls trials from the scheduler and runs
/// them on the device's dedicated thread; stays responsive while training.
/// </summary>
public interface ITrainerGrain : IGrainWithStringKey
{
    /// <summary>Registers with the scheduler and starts pulling work (idempotent; the silo calls it periodically).</summary>
    [SiloOnly]
    Task StartAsync();

    /// <summary>The scheduler has work: pull if idle.</summary>
    [OneWay]
    [SiloOnly]
    Task WorkAvailableAsync();

    /// <summary>Stops the running attempt of <paramref name="trialId"/>, if this trainer runs it (returns at once).</summary>
    [AlwaysInterleave]
    [SiloOnly]
    Task CancelTrialAsync(string trialId);

    /// <summary>The trial running here, or null.</summary>
    [AlwaysInterleave]
    Task<string?> GetCurrentTrialAsync();

    /// <summary>Graceful drain: checkpoint and release the running trial (it is requeued), and take no more work.</summary>
    [AlwaysInterleave]
    [SiloOnly]
    Task DrainAsync();
}
