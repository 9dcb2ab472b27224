namespace ALoRA.Sweeps;

/// <summary>One key of a spec block: its type, default and range.</summary>
/// <param name="Key">YAML key.</param>
/// <param name="Kind">YAML type.</param>
/// <param name="Default">Value when the key is absent (in the stored representation of <paramref name="Kind"/>).</param>
/// <param name="Nullable">Whether <c>null</c> is a valid value.</param>
/// <param name="Check">Range check of a non-null value: null when fine, else what is required ("must be &gt;= 1").</param>
/// <param name="Allowed">For <see cref="SettingKind.Text"/>: the vocabulary.</param>
internal sealed record SettingDef(
    string Key,
    SettingKind Kind,
    object? Default,
    bool Nullable = false,
    Func<object, string?>? Check = null,
    IReadOnlyList<string>? Allowed = null)
{
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
}
