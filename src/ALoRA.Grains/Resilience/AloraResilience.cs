namespace ALoRA.Grains.Resilience;

/// <summary>
/// Keys of the resilience pipelines <see cref="AloraResilienceExtensions.AddAloraResilience(Microsoft.Extensions.DependencyInjection.IServiceCollection)"/>
/// registers; resolve one with <c>ResiliencePipelineProvider&lt;string&gt;.GetPipeline(key)</c> or as a keyed
/// <c>ResiliencePipeline</c> service, or build it without DI through <see cref="AloraResiliencePipelines"/>.
/// </summary>
public static class AloraResilience
{
    /// <summary>Grain-storage and checkpoint file IO: retries transient IO errors (<see cref="TransientFailures.IsTransientStorageFailure"/>).</summary>
    public const string Storage = "alora-storage";

    /// <summary>Idempotent grain calls: retries Orleans' transient failures (<see cref="TransientFailures.IsTransientGrainCallFailure"/>) within a bounded total time.</summary>
    public const string GrainCalls = "alora-grain-calls";

    /// <summary>
    /// A client connecting to a gateway: a few attempts, each with its own timeout, within a bounded total time
    /// (<see cref="TransientFailures.IsTransientConnectFailure"/>).
    /// </summary>
    public const string ClientConnect = "alora-client-connect";

    /// <summary>All keys.</summary>
    public static IReadOnlyList<string> All { get; } = [Storage, GrainCalls, ClientConnect];
}
