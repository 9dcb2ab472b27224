using Orleans.Concurrency;
namespace ALoRA.Abstractions.Grains;

/// <summary>
/// One slot of one device of one silo (key: <c>&lt;silo name&gt;/&lt;device&gt;</c> for slot 0, e.g. <c>node-a/cuda:0</c>,
/// and <c>&lt;silo name&gt;/&lt;device&gt;#n</c> for slot n), always activated on the silo that owns the device. Asks the
/// scheduler for the slot's next assignment, runs it on the slot's dedicated thread and reports to the trial's
/// experiment; stays responsive while training.
/// </summary>
public interface ITrainerGrain : IGrainWithStringKey
{
    /// <summary>Starts pulling work (idempotent; the silo calls it every heartbeat, after registering its devices).</summary>
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
