namespace ALoRA.Abstractions.Grains;

/// <summary>Keys of singleton grains.</summary>
public static class SchedulerKeys
{
    /// <summary>The scheduler of the cluster.</summary>
    public const string Default = "default";
}
