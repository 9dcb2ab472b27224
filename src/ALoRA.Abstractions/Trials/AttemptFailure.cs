namespace ALoRA.Abstractions.Trials;

/// <summary>Why an attempt ended without a result (<see cref="Grains.IExperimentGrain.FailAsync"/>).</summary>
[GenerateSerializer, Alias("alora.AttemptFailure")]
public enum AttemptFailure
{
    /// <summary>The training threw: retried up to <c>Alora:MaxTrialRetries</c> times, then the trial fails.</summary>
    Training = 0,

    /// <summary>Its trainer was drained (an orderly stop of its silo): always retried, never counted against the trial.</summary>
    Drained = 1,

    /// <summary>
    /// The trial trained but its result could not be stored (for example a full disk): retried like an attempt that lost
    /// its trainer, at most <c>Alora:MaxInfrastructureRetries</c> times.
    /// </summary>
    Storage = 2,
}
