using System.Globalization;

namespace ALoRA.Engine.Training;

/// <summary>A schedule length in epochs (may be fractional) or in optimizer steps.</summary>
/// <param name="Value">The amount.</param>
/// <param name="InSteps">True for steps, false for epochs.</param>
public sealed record ScheduleLength(double Value, bool InSteps = false)
{
    /// <summary>Epochs.</summary>
    public static ScheduleLength Epochs(double value) => new(value);

    /// <summary>Steps.</summary>
    public static ScheduleLength Steps(int value) => new(value, InSteps: true);

    /// <summary>Parses <c>"1"</c>/<c>"0.25"</c>/<c>"1ep"</c> (epochs) or <c>"200steps"</c>/<c>"200s"</c> (steps).</summary>
    public static ScheduleLength Parse(string text)
    {
        var t = text.Trim().ToLowerInvariant();
        var inSteps = t.EndsWith("steps", StringComparison.Ordinal) || t.EndsWith('s');
        var number = t.TrimEnd('s').Replace("step", "", StringComparison.Ordinal).Replace("ep", "", StringComparison.Ordinal);
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            throw new FormatException($"'{text}' is not a schedule length (examples: 1, 0.25, 200steps)");
        }

        return new ScheduleLength(value, inSteps);
    }

    /// <summary>The length in optimizer steps for <paramref name="stepsPerEpoch"/> steps per epoch (at least 1 when positive).</summary>
    public int ToSteps(int stepsPerEpoch) =>
        InSteps ? (int)Value : Value <= 0 ? 0 : Math.Max(1, (int)Math.Round(Value * stepsPerEpoch, MidpointRounding.AwayFromZero));

    /// <inheritdoc />
    public override string ToString() =>
        InSteps ? $"{Value.ToString(CultureInfo.InvariantCulture)} steps" : $"{Value.ToString(CultureInfo.InvariantCulture)} epochs";
}
