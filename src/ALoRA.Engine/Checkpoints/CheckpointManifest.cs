using ALoRA.Engine.Training;

namespace ALoRA.Engine.Checkpoints;

/// <summary>The JSON part of a checkpoint (<c>trainer_state.json</c>): schema version, run fingerprint, state.</summary>
public sealed record CheckpointManifest
{
    /// <summary>The format version this code writes.</summary>
    public const int CurrentSchemaVersion = 1;

    /// <summary>Format version of the file.</summary>
    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>Identifies the run configuration (data size, batch size, schedule, seed); a resume must match it.</summary>
    public required string Fingerprint { get; init; }

    /// <summary>Optimizer step counts by parameter name.</summary>
    public required Dictionary<string, long> OptimizerSteps { get; init; }

    /// <summary>The trainer's position and history.</summary>
    public required TrainerState State { get; init; }

    /// <summary>True when <c>best_adapter.safetensors</c> is present.</summary>
    public bool HasBestAdapter { get; init; }

    /// <summary>True when <c>method_state.safetensors</c> is present.</summary>
    public bool HasMethodState { get; init; }

    /// <summary>
    /// Size and SHA-256 of every other file of the checkpoint (by file name), checked before it is resumed; null in
    /// checkpoints written before the hashes were recorded (then only their structure is checked).
    /// </summary>
    public Dictionary<string, CheckpointFileHash>? Files { get; init; }
}
