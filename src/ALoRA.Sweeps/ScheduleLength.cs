using System.Globalization;

namespace ALoRA.Sweeps;

/// <summary>
/// A length of training used by the allocation schedule (K1, K2): a number of epochs (<c>1</c>, <c>0.25</c>,
/// <c>2epochs</c>) or of optimizer steps (<c>200steps</c>).
/// </summary>
/// <param name="Value">The amount; a whole number when <paramref name="Unit"/> is <see cref="ScheduleUnit.Steps"/>.</param>
/// <param name="Unit">Epochs or steps.</param>
public readonly record struct ScheduleLength(double Value, ScheduleUnit Unit)
{
    /// <summary>
    /// The canonical text: <c>&lt;n&gt;steps</c> for steps, the bare number for epochs (<c>2epochs</c> becomes <c>2</c>),
    /// numbers in the invariant round-trip format.
    /// </summary>
    public override string ToString() => Unit == ScheduleUnit.Steps
        ? ((long)Value).ToString(CultureInfo.InvariantCulture) + "steps"
        : Value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Parses <paramref name="text"/>; throws <see cref="FormatException"/> when it is not a schedule length.</summary>
    /// <param name="text">A number (epochs), <c>&lt;x&gt;epochs</c> or <c>&lt;n&gt;steps</c>.</param>
    public static ScheduleLength Parse(string text) =>
        TryParse(text, out var length, out var error) ? length : throw new FormatException(error);

    /// <summary>Parses <paramref name="text"/>; false when it is not a schedule length. Negative values parse.</summary>
    /// <param name="text">A number (epochs), <c>&lt;x&gt;epochs</c> or <c>&lt;n&gt;steps</c>.</param>
    /// <param name="length">The parsed length.</param>
    public static bool TryParse(string? text, out ScheduleLength length) => TryParse(text, out length, out _);

    internal static bool TryParse(string? text, out ScheduleLength length, out string error)
    {
        length = default;
        error = "";
        var s = (text ?? "").Trim();
        var unit = ScheduleUnit.Epochs;
        foreach (var (suffix, u) in new[] { ("steps", ScheduleUnit.Steps), ("step", ScheduleUnit.Steps), ("epochs", ScheduleUnit.Epochs), ("epoch", ScheduleUnit.Epochs) })
        {
            if (s.EndsWith(suffix, StringComparison.Ordinal))
            {
                s = s[..^suffix.Length].TrimEnd();
                unit = u;
                break;
            }
        }

        if (s.Length == 0 || !double.TryParse(s, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var value)
            || !double.IsFinite(value))
        {
            error = $"'{text}' is not a schedule length (a number of epochs such as 1 or 0.25, or a step count such as 200steps)";
            return false;
        }

        if (unit == ScheduleUnit.Steps && value != Math.Floor(value))
        {
            error = $"'{text}' is not a whole number of steps";
            return false;
        }

        length = new ScheduleLength(value == 0 ? 0 : value, unit);
        return true;
    }
}
