namespace ALoRA.Engine.Checkpoints;

/// <summary>What <c>SftTrainer.ResumeNewestIntact</c> did: the checkpoint it resumed (null: none, the run starts at step 0) and the damaged ones it set aside first.</summary>
/// <param name="Checkpoint">The checkpoint directory resumed, or null.</param>
/// <param name="SetAside">Newer checkpoints that could not be resumed, newest first.</param>
public sealed record CheckpointResume(string? Checkpoint, IReadOnlyList<DamagedCheckpoint> SetAside);
