namespace ALoRA.Engine.Checkpoints;

/// <summary>A checkpoint that could not be resumed and was set aside (<see cref="TrainingCheckpoint.SetAside"/>).</summary>
/// <param name="Directory">Where it was (<c>…/checkpoint-NNNNNNNN</c>).</param>
/// <param name="Step">Its step (from its name).</param>
/// <param name="MovedTo">Where it is now (under <c>damaged/</c>), or null when it could not be moved.</param>
/// <param name="Reason">Why it could not be resumed (names the file).</param>
public sealed record DamagedCheckpoint(string Directory, int Step, string? MovedTo, string Reason);
