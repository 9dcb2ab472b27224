using System.Globalization;

namespace ALoRA.Engine.Training;

/// <summary>
/// A schedule length in epochs (may be fractional) or in optimizer steps. Text is parsed on the sweep side
/// (ALoRA.Sweeps.ScheduleLength, docs/sweep-spec.md); the engine takes the parsed value.
/// </summary>
/// <param name="Value">The amount.</param>
/// <param name="InSteps">True for steps, false for epochs.</param>
public sealed record ScheduleLength(double Value, bool InSteps = false)
{
    /// <summary>Epochs.</summary>
    public static ScheduleLength Epochs(double value) => new(value);

    /// <summary>Steps.</summary>
    public static ScheduleLength Steps(int value) => new(value, InSteps: true);

    /// <summary>The length in optimizer steps for <paramref name="stepsPerEpoch"/> steps per epoch (at least 1 when positive).</summary>
    public int ToSteps(int stepsPerEpoch) =>
        InSteps ? (int)Value : Value <= 0 ? 0 : Math.Max(1, (int)Math.Round(Value * stepsPerEpoch, MidpointRounding.AwayFromZero));

    /// <inheritdoc />
    public override string ToString() =>
        InSteps ? $"{Value.ToString(CultureInfo.InvariantCulture)} steps" : $"{Value.ToString(CultureInfo.InvariantCulture)} epochs";
}
