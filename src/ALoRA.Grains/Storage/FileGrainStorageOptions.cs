namespace ALoRA.Grains.Storage;

/// <summary>Settings of a <see cref="FileGrainStorage"/> (named after the storage provider).</summary>
public sealed class FileGrainStorageOptions
{
    /// <summary>Configuration section these options are usually bound from.</summary>
    public const string Section = "Alora:Storage";

    /// <summary>
    /// Folder holding one JSON file per grain state (<c>&lt;root&gt;/&lt;state name&gt;/&lt;grain type&gt;/&lt;key&gt;.json</c>);
    /// created when the silo starts. Required; no default.
    /// </summary>
    public string RootDirectory { get; set; } = "";
}
