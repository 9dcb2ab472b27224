namespace ALoRA.Sweeps;

/// <summary>The YAML type of a setting.</summary>
public enum SettingKind
{
    /// <summary>A whole number (stored as <see cref="long"/>, range of <see cref="int"/> for settings).</summary>
    Integer,

    /// <summary>A finite real number (stored as <see cref="double"/>).</summary>
    Real,

    /// <summary>true or false.</summary>
    Boolean,

    /// <summary>A string, usually from a fixed vocabulary.</summary>
    Text,

    /// <summary>A <see cref="ScheduleLength"/> (stored as its canonical string).</summary>
    Schedule,

    /// <summary>A list of LLaMA module type names (stored as <see cref="IReadOnlyList{T}"/> of strings).</summary>
    ModuleList,
}
