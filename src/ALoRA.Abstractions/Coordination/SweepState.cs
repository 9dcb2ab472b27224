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

    /// <summary>
    /// Its trials are still being created and queued (a large submission continues in the background); never counts as
    /// over. <see cref="SweepStatus.Created"/> says how many exist so far.
    /// </summary>
    Creating,
}
