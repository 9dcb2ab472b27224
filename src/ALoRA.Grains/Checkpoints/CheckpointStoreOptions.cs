namespace ALoRA.Grains.Checkpoints;

/// <summary>Settings of the checkpoint store (configuration section <c>Alora:Checkpoints</c>).</summary>
public sealed class CheckpointStoreOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Alora:Checkpoints";

    /// <summary>
    /// Folder holding one sub-folder per trial; a volume shared by all silos in a cluster. Required; no default.
    /// </summary>
    public string RootDirectory { get; set; } = "";
}
