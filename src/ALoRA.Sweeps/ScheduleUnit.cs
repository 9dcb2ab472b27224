namespace ALoRA.Sweeps;

/// <summary>The unit of a <see cref="ScheduleLength"/>.</summary>
public enum ScheduleUnit
{
    /// <summary>Epochs over the training split (may be fractional).</summary>
    Epochs,

    /// <summary>Optimizer steps (whole numbers).</summary>
    Steps,
}
