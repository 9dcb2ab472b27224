namespace ALoRA.Silo.Hosting;

/// <summary>
/// How the silo process joins a cluster and where it keeps its data (configuration section <c>Alora:Silo</c>; environment
/// variables <c>Alora__Silo__&lt;Name&gt;</c>; command line <c>--Alora:Silo:&lt;Name&gt;=value</c>).
/// </summary>
public sealed class SiloHostOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Alora:Silo";

    /// <summary>
    /// Name of this silo; the first part of its trainers' keys (<c>&lt;SiloName&gt;/cuda:0</c>), so it must be unique in the
    /// cluster, non-empty and contain no <c>/</c>. Default: the machine name. With <c>kubernetes</c> clustering the pod name
    /// (<c>POD_NAME</c>) is used instead.
    /// </summary>
    public string SiloName { get; set; } = Environment.MachineName;

    /// <summary>Orleans service id: stays the same across deployments (grain state is keyed by it). Default <c>alora</c>.</summary>
    public string ServiceId { get; set; } = "alora";

    /// <summary>Orleans cluster id: silos and clients with the same id form one cluster. Default <c>alora-dev</c>.</summary>
    public string ClusterId { get; set; } = "alora-dev";

    /// <summary>
    /// Membership provider: <c>localhost</c> (development clustering, the first silo on <see cref="PrimarySiloEndpoint"/> holds
    /// the membership table), <c>redis</c> (membership in Redis, <see cref="RedisConnectionString"/> required) or
    /// <c>kubernetes</c> (Redis membership plus Orleans' Kubernetes hosting: pod name, pod IP and pod watching). Default
    /// <c>localhost</c>.
    /// </summary>
    public string Clustering { get; set; } = SiloClustering.Localhost;

    /// <summary>
    /// Grain state provider (sweeps, experiments, scheduler): <c>file</c> (JSON files under
    /// <c>&lt;DataDirectory&gt;/state</c>, or <c>Alora:Storage:RootDirectory</c> when set) or <c>redis</c>
    /// (<see cref="RedisConnectionString"/> required). Default <c>file</c>.
    /// </summary>
    public string Storage { get; set; } = SiloStorage.File;

    /// <summary>
    /// StackExchange.Redis connection string (<c>host:6379,password=...,ssl=true</c>), used by <c>redis</c> and
    /// <c>kubernetes</c> clustering and by <c>redis</c> storage. Default: none.
    /// </summary>
    public string? RedisConnectionString { get; set; }

    /// <summary>
    /// Folder for this silo's files, relative to the working directory unless absolute: grain state in <c>state/</c> (file
    /// storage) and checkpoints in <c>checkpoints/</c> unless <c>Alora:Checkpoints:RootDirectory</c> names another folder
    /// (a volume shared by all silos, in a cluster). Default <c>./alora-data</c>.
    /// </summary>
    public string DataDirectory { get; set; } = "./alora-data";

    /// <summary>
    /// Folders a submitted spec's <c>model</c> and <c>data</c> must be under, after relative paths are resolved against
    /// <c>Alora:DataRoot</c> and <c>..</c> and symbolic links are followed; each must exist. A path outside is refused at
    /// submit without saying whether it exists (docs/security.md). Default: none listed, meaning the data root only
    /// (<c>Alora:DataRoot</c>, else the working directory).
    /// </summary>
    public List<string> AllowedRoots { get; set; } = [];

    /// <summary>Port for silo-to-silo traffic. Default 11111.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Port clients (the <c>alora</c> CLI) connect to. Default 30000.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>
    /// Port of the HTTP health endpoints for Kubernetes probes, on all interfaces: <c>GET /health/live</c> answers 200 while
    /// the process runs, <c>GET /health/ready</c> 200 once the silo is active and its trainers are registered, 503 before
    /// that and while the silo stops. <c>0</c> turns them off. Default 8080.
    /// </summary>
    public int HealthPort { get; set; } = 8080;

    /// <summary>
    /// <c>localhost</c> clustering only: <c>host:port</c> of the silo that holds the membership table, for a second silo
    /// joining the first (e.g. <c>127.0.0.1:11111</c>). Default: none, this silo is the primary (its own silo endpoint).
    /// </summary>
    public string? PrimarySiloEndpoint { get; set; }

    /// <summary>
    /// IP address (or host name, resolved at start) other silos and clients reach this silo on. Default: none, meaning
    /// 127.0.0.1 with <c>localhost</c> clustering (listening on loopback only), an address of this host with <c>redis</c>
    /// and the pod IP with <c>kubernetes</c>. When set, the silo listens on all interfaces.
    /// </summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>
    /// How long a liveness probe of another silo may take before it counts as missed (Orleans
    /// <c>ClusterMembershipOptions.ProbeTimeout</c>, whose own default is 5 s). Default 2 s.
    /// </summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Missed probes after which a silo is suspected dead (<c>ClusterMembershipOptions.NumMissedProbesLimit</c>, Orleans
    /// default 3). With the defaults a dead silo is noticed in about 4–6 s instead of about 12 s. Default 2.
    /// </summary>
    public int NumMissedProbesLimit { get; set; } = 2;

    /// <summary>
    /// Suspicions needed to declare a silo dead (<c>ClusterMembershipOptions.NumVotesForDeathDeclaration</c>; Orleans caps it
    /// by the number of live silos). Default 2, as in Orleans.
    /// </summary>
    public int NumVotesForDeathDeclaration { get; set; } = 2;

    /// <summary>
    /// How long a suspicion vote stays valid (<c>ClusterMembershipOptions.DeathVoteExpirationTimeout</c>). Default 2 min, as in
    /// Orleans.
    /// </summary>
    public TimeSpan DeathVoteExpirationTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long a stopping silo (SIGTERM, Ctrl+C) may take to drain: running trials are checkpointed and handed back before
    /// the process exits (<c>HostOptions.ShutdownTimeout</c>). Keep Kubernetes' <c>terminationGracePeriodSeconds</c> above it.
    /// Default 60 s.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(60);
}
