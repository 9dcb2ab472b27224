using System.Globalization;
using ALoRA.Abstractions.Sweeps;

namespace ALoRA.Sweeps;

/// <summary>
/// One key of a spec block, declared once (docs/sweep-spec.md, "Adding a setting"): its YAML type, default, range and
/// meaning. The spec reader, the trial check (<see cref="TrialSettings"/>), the docs tables and the JSON Schema
/// (<c>docs/sweep-spec.schema.json</c>) all follow from it.
/// </summary>
/// <param name="Key">YAML key.</param>
/// <param name="Kind">YAML type.</param>
/// <param name="Default">Value when the key is absent (in the stored representation of <paramref name="Kind"/>).</param>
/// <param name="Doc">One-line meaning, for the docs table and the JSON Schema.</param>
public sealed record SettingDef(string Key, SettingKind Kind, object? Default, string Doc)
{
    /// <summary>Whether <c>null</c> is a valid value.</summary>
    public bool Nullable { get; init; }

    /// <summary>Inclusive lower bound of a number or schedule length, or null.</summary>
    public double? Minimum { get; init; }

    /// <summary>Exclusive lower bound of a number, or null.</summary>
    public double? ExclusiveMinimum { get; init; }

    /// <summary>Exclusive upper bound of a number, or null.</summary>
    public double? ExclusiveMaximum { get; init; }

    /// <summary>
    /// Inclusive upper bound of an integer, or null: set on the settings whose size multiplies a trial's memory (rank,
    /// batch sizes, sequence length) at a value no real run reaches (docs/sweep-spec.md, "Limits").
    /// </summary>
    public double? Maximum { get; init; }

    /// <summary>For <see cref="SettingKind.Text"/> and <see cref="SettingKind.ModuleList"/>: the vocabulary.</summary>
    public IReadOnlyList<string>? Allowed { get; init; }

    /// <summary>What the default means or where it comes from (<c>paper</c>, <c>means 2 * r</c>), for the docs table.</summary>
    public string? DefaultNote { get; init; }

    /// <summary>Reads the setting's resolved value from a trial (the contract property it maps to); null for <c>method</c>.</summary>
    public Func<TrialSpec, object?>? Read { get; init; }

    /// <summary>Whether the setting may be a search domain (every kind but lists).</summary>
    public bool Searchable => Kind != SettingKind.ModuleList;

    /// <summary>The type as named in error messages.</summary>
    public string TypeName => Kind switch
    {
        SettingKind.Integer => Nullable ? "an integer or null" : "an integer",
        SettingKind.Real => Nullable ? "a number or null" : "a number",
        SettingKind.Boolean => "true or false",
        SettingKind.Text => Allowed is null ? "a string" : "one of " + string.Join(", ", Allowed),
        SettingKind.Schedule => "a schedule length (a number of epochs such as 1 or 0.25, or a step count such as 200steps)",
        _ => "a list of module names",
    };

    /// <summary>The range in words (<c>&gt;= 1</c>, <c>&gt; 0</c>, <c>in [0, 1)</c>), or empty when unbounded.</summary>
    public string RangeText => (Minimum, ExclusiveMinimum, ExclusiveMaximum, Maximum) switch
    {
        ({ } min, null, { } max, null) => $"in [{Number(min)}, {Number(max)})",
        ({ } min, null, null, { } max) => $"in [{Number(min)}, {Number(max)}]",
        ({ } min, null, null, null) => $">= {Number(min)}",
        (null, { } min, null, null) => $"> {Number(min)}",
        (null, null, null, null) => "",
        _ => throw new InvalidOperationException($"{Key}: unsupported combination of bounds"),
    };

    /// <summary>
    /// Checks the range of a non-null value in its stored representation (<see cref="long"/>, <see cref="double"/>,
    /// schedule text); null when fine, else what is required (<c>must be &gt;= 1</c>).
    /// </summary>
    /// <param name="value">The value.</param>
    public string? CheckRange(object value)
    {
        ArgumentNullException.ThrowIfNull(value);
        double number;
        switch (Kind)
        {
            case SettingKind.Integer:
                number = Convert.ToInt64(value, CultureInfo.InvariantCulture);
                break;
            case SettingKind.Real:
                number = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                if (!double.IsFinite(number))
                {
                    return "must be a finite number";
                }

                break;
            case SettingKind.Schedule:
                number = ScheduleLength.Parse((string)value).Value;
                break;
            default:
                return null;
        }

        var ok = (Minimum is not { } min || number >= min)
            && (ExclusiveMinimum is not { } exclusiveMin || number > exclusiveMin)
            && (ExclusiveMaximum is not { } exclusiveMax || number < exclusiveMax)
            && (Maximum is not { } max || number <= max);
        return ok ? null : "must be " + RangeText;
    }

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
