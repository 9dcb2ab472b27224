namespace ALoRA.Abstractions.Coordination;

/// <summary>Where a sweep is: running until every trial is final.</summary>
[GenerateSerializer, Alias("alora.SweepState")]
public enum SweepState
{
    /// <summary>Some trials are queued or running.</summary>
    Running,

    /// <summary>Every trial is final and none was cancelled.</summary>
    Completed,

    /// <summary>The user cancelled the sweep.</summary>
    Cancelled,
}
