namespace ALoRA.Abstractions.Trials;

/// <summary>
/// Where a trial is in its life. Completed, Failed, Cancelled and Stopped are final; Unreadable means its stored state could not be
/// read, so nothing happens to it until someone repairs or deletes that record (docs/state-format.md).
/// </summary>
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

    /// <summary>Its stored state cannot be read (<see cref="TrialStatus.Error"/> says why and where); it does not run.</summary>
    Unreadable,

    /// <summary>
    /// Stopped early by its sweep's scheduler (the spec's <c>scheduler</c> block, docs/sweep-spec.md) at an evaluation
    /// point: <see cref="TrialStatus.Error"/> says where and why; its checkpoint, history and metrics are kept.
    /// </summary>
    Stopped,
}
