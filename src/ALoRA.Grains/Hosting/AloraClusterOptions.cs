using System.ComponentModel.DataAnnotations;

namespace ALoRA.Grains.Hosting;

/// <summary>How the grains schedule and retry (configuration section <c>Alora</c>).</summary>
public sealed class AloraClusterOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Alora";

    /// <summary>Retries of a trial whose training itself failed, before it is marked failed. Default 2.</summary>
    [Range(0, 100)]
    public int MaxTrialRetries { get; set; } = 2;

    /// <summary>How often the scheduler checks for dead trainers and wakes idle ones. Default 2 s.</summary>
    public TimeSpan SchedulerInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often a silo re-announces its trainers. Default 5 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Progress events a sweep keeps for watchers that reconnect. Default 10000.</summary>
    [Range(100, 10_000_000)]
    public int FeedCapacity { get; set; } = 10_000;
}
