using System.Globalization;
using System.Text.RegularExpressions;

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

    /// <summary>Parses <c>1</c>, <c>0.25</c>, <c>1ep</c>, <c>2 epochs</c> (epochs) or <c>200steps</c>, <c>200 step</c>, <c>200s</c> (steps).</summary>
    public static ScheduleLength Parse(string text)
    {
        var match = Regex.Match(text.Trim().ToLowerInvariant(), @"^(?<value>[-+]?[0-9]*\.?[0-9]+(?:e[-+]?[0-9]+)?)\s*(?<unit>steps?|s|epochs?|ep|e)?$");
        if (!match.Success || !double.TryParse(match.Groups["value"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            throw new FormatException($"'{text}' is not a schedule length (examples: 1, 0.25, 2epochs, 200steps)");
        }

        var unit = match.Groups["unit"].Value;
        return new ScheduleLength(value, InSteps: unit is "s" or "step" or "steps");
    }

    /// <summary>The length in optimizer steps for <paramref name="stepsPerEpoch"/> steps per epoch (at least 1 when positive).</summary>
    public int ToSteps(int stepsPerEpoch) =>
        InSteps ? (int)Value : Value <= 0 ? 0 : Math.Max(1, (int)Math.Round(Value * stepsPerEpoch, MidpointRounding.AwayFromZero));

    /// <inheritdoc />
    public override string ToString() =>
        InSteps ? $"{Value.ToString(CultureInfo.InvariantCulture)} steps" : $"{Value.ToString(CultureInfo.InvariantCulture)} epochs";
}
