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

    /// <summary>
    /// Retries of a trial whose attempts lost their trainer (its silo died or restarted, its trainer vanished), before it
    /// is marked failed with the trainers it lost. A trainer drained by its silo's orderly stop (SIGTERM, a rolling
    /// restart) hands its trial back and does not count. Default 5.
    /// </summary>
    [Range(0, 1000)]
    public int MaxInfrastructureRetries { get; set; } = 5;

    /// <summary>How often the scheduler checks for dead trainers and wakes idle ones. Default 2 s.</summary>
    public TimeSpan SchedulerInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often a silo re-announces its trainers. Default 5 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Progress events a sweep keeps for watchers that reconnect. Default 10000.</summary>
    [Range(100, 10_000_000)]
    public int FeedCapacity { get; set; } = 10_000;

    /// <summary>
    /// Folder that relative <c>model</c> and <c>data</c> paths of submitted specs resolve against on this silo (see
    /// docs/sweep-spec.md, "Paths and where they are read"); it must exist. Empty (default): the silo's working directory.
    /// </summary>
    public string DataRoot { get; set; } = "";

    /// <summary>The absolute folder of <see cref="DataRoot"/> (the working directory when it is empty).</summary>
    public string ResolvedDataRoot() => string.IsNullOrWhiteSpace(DataRoot) ? Environment.CurrentDirectory : Path.GetFullPath(DataRoot);
}
