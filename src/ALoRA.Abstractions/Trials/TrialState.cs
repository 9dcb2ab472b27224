namespace ALoRA.Abstractions.Trials;

/// <summary>Where a trial is in its life. Completed, Failed and Cancelled are final.</summary>
[GenerateSerializer, Alias("alora.TrialState")]
public enum TrialState
{
    /// <summary>Waiting for a free trainer (also after a retry).</summary>
    Queued,

    /// <summary>A trainer is running its current attempt.</summary>
    Running,

    /// <summary>Finished with a result.</summary>
    Completed,

    /// <summary>Gave up: the training itself failed more often than its retry budget allows.</summary>
    Failed,

    /// <summary>Cancelled by the user.</summary>
    Cancelled,
}
