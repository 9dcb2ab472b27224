namespace ALoRA.Grains.Training;

/// <summary>Settings of an <see cref="AloraTrainingEngine"/>, shared by every trial it runs in this process.</summary>
public sealed record AloraTrainingEngineOptions
{
    /// <summary>
    /// Torch intra-op threads (default: every core). Torch takes it once per process, on the first run; later values
    /// are ignored. When several CPU trials (or other torch work) share the machine, use cores / trials: torch
    /// threads that contend for cores run an order of magnitude slower (measured: 8 steps plus a test evaluation of
    /// stories260K took 2 minutes with 2 threads on 2 busy cores, 5 seconds with 1).
    /// </summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Folder that relative <see cref="ALoRA.Abstractions.Sweeps.TrialSpec.Model"/> and
    /// <see cref="ALoRA.Abstractions.Sweeps.TrialSpec.Data"/> paths resolve against; null: the current directory.
    /// </summary>
    public string? BaseDirectory { get; init; }

    /// <summary>Creates the checkpoint files (null: the local file system); tests substitute one that fails like a full disk.</summary>
    public ALoRA.Engine.Checkpoints.CheckpointFileSystem? CheckpointFiles { get; init; }
}
