using Microsoft.Extensions.Configuration;

namespace ALoRA.Grains.Hosting;

/// <summary>
/// What differs between the silos that <see cref="AloraSiloBuilderExtensions.UseAloraSilo"/> composes (the silo program,
/// the CLI's <c>--local</c> silo, the test clusters, the benchmarks): where state and checkpoints go, the configuration
/// the option sections are bound from, and the options' defaults. Clustering and endpoints stay with the caller.
/// </summary>
public sealed class AloraSiloSetup
{
    /// <summary>Folder under <see cref="DataDirectory"/> holding file-backed grain state.</summary>
    public const string StateFolder = "state";

    /// <summary>Folder under <see cref="DataDirectory"/> holding checkpoints, unless configured elsewhere.</summary>
    public const string CheckpointsFolder = "checkpoints";

    /// <summary>The silo's data folder: file-backed state in <see cref="StateFolder"/>, checkpoints in <see cref="CheckpointsFolder"/>.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Where grain state is kept. Default <see cref="AloraStateStorage.File"/>.</summary>
    public AloraStateStorage Storage { get; init; } = AloraStateStorage.File;

    /// <summary>StackExchange.Redis connection string; required with <see cref="AloraStateStorage.Redis"/>.</summary>
    public string? RedisConnectionString { get; init; }

    /// <summary>Prefix of the grain-state keys in Redis. Default <c>alora/state</c>.</summary>
    public string RedisKeyPrefix { get; init; } = "alora/state";

    /// <summary>
    /// Configuration the sections <c>Alora</c>, <c>Alora:Trainers</c>, <c>Alora:Checkpoints</c>, <c>Alora:Resilience</c> and
    /// <c>Alora:Storage</c> are bound from (on top of the defaults here), and that holds the <c>OTEL_*</c> variables; null: none.
    /// </summary>
    public IConfiguration? Configuration { get; init; }

    /// <summary>OpenTelemetry <c>service.name</c> for the OTLP export the <c>OTEL_*</c> variables ask for; null: no export.</summary>
    public string? TelemetryServiceName { get; init; }

    /// <summary>Orleans' trace context propagation (<c>AddActivityPropagation()</c>). Default true.</summary>
    public bool ActivityPropagation { get; init; } = true;

    /// <summary>Defaults of <see cref="AloraTrainerOptions"/> (configuration binds on top).</summary>
    public Action<AloraTrainerOptions>? Trainers { get; init; }

    /// <summary>
    /// Folders a spec's <c>model</c> and <c>data</c> must be under (<see cref="Security.AllowedRootsOptions"/>): null (default)
    /// allows any path; empty allows the data root only.
    /// </summary>
    public IReadOnlyList<string>? AllowedRoots { get; init; }

    /// <summary>Defaults of <see cref="AloraClusterOptions"/> (configuration binds on top).</summary>
    public Action<AloraClusterOptions>? Cluster { get; init; }

    /// <summary>The folder of file-backed grain state.</summary>
    public string StateDirectory => Path.Combine(Path.GetFullPath(DataDirectory), StateFolder);

    /// <summary>The default checkpoint folder.</summary>
    public string CheckpointDirectory => Path.Combine(Path.GetFullPath(DataDirectory), CheckpointsFolder);
}
