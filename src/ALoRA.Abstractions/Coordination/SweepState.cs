namespace ALoRA.Abstractions.Coordination;

/// <summary>Where a sweep is: running until every trial is settled (final, or unreadable).</summary>
[GenerateSerializer, Alias("alora.SweepState")]
public enum SweepState
{
    /// <summary>Some trials are queued or running.</summary>
    Running,

    /// <summary>Every trial is settled (final, or its state unreadable) and the sweep was not cancelled.</summary>
    Completed,

    /// <summary>The user cancelled the sweep.</summary>
    Cancelled,

    /// <summary>The sweep's own stored state cannot be read (<see cref="SweepStatus.Error"/> says why and where).</summary>
    Unreadable,
}
