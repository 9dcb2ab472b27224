namespace ALoRA.Grains.Training;

/// <summary>A trial's folder in the checkpoint store: checkpoints and the exported adapter live here across attempts.</summary>
/// <param name="Directory">The trial's folder (on a shared volume in a cluster).</param>
public sealed record TrialWorkspace(string Directory)
{
    /// <summary>Resumable checkpoints (<c>checkpoint-NNNNNNNN/</c> and <c>latest</c>).</summary>
    public string CheckpointDirectory => Path.Combine(Directory, "checkpoints");

    /// <summary>The final adapter in PEFT layout.</summary>
    public string AdapterDirectory => Path.Combine(Directory, "adapter");
}
