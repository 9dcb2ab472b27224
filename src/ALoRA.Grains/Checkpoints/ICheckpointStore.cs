namespace ALoRA.Grains.Checkpoints;

/// <summary>
/// Where trials keep their files across attempts: one folder per trial (resumable checkpoints and the exported
/// adapter), on a volume every silo sees in a cluster. Trial ids are encoded into safe folder names.
/// </summary>
public interface ICheckpointStore
{
    /// <summary>The trial's folder, created if missing (see <c>TrialWorkspace</c> for its layout).</summary>
    /// <param name="trialId">The trial id (any string).</param>
    /// <exception cref="ArgumentException"><paramref name="trialId"/> cannot name a folder (unpaired surrogate).</exception>
    string TrialDirectory(string trialId);

    /// <summary>The path of the trial's folder (the one <see cref="TrialDirectory"/> gives); creates nothing.</summary>
    /// <param name="trialId">The trial id (any string).</param>
    /// <exception cref="ArgumentException"><paramref name="trialId"/> cannot name a folder (unpaired surrogate).</exception>
    string TrialPath(string trialId);

    /// <summary>Whether the trial's folder holds a checkpoint directory to resume from (it is not read); creates nothing.</summary>
    /// <param name="trialId">The trial id.</param>
    bool HasCheckpoint(string trialId);

    /// <summary>Deletes the trial's folder and everything in it; nothing happens when there is none.</summary>
    /// <param name="trialId">The trial id.</param>
    void DeleteTrial(string trialId);
}
