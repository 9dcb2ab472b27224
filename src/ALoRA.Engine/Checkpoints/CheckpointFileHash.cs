namespace ALoRA.Engine.Checkpoints;

/// <summary>Size and SHA-256 of one file of a checkpoint, as its manifest records them.</summary>
/// <param name="Bytes">Length of the file.</param>
/// <param name="Sha256">SHA-256 of its content, lower-case hex.</param>
public sealed record CheckpointFileHash(long Bytes, string Sha256);
