namespace ALoRA.Abstractions.Trials;

/// <summary>What a <see cref="TrialProgress"/> event reports.</summary>
[GenerateSerializer, Alias("alora.TrialProgressKind")]
public enum TrialProgressKind
{
    /// <summary>An attempt started (or resumed from a checkpoint at <see cref="TrialProgress.Step"/>).</summary>
    Started,

    /// <summary>One optimizer step.</summary>
    Step,

    /// <summary>A dev evaluation.</summary>
    Evaluation,

    /// <summary>An allocation round (see <see cref="TrialProgress.Round"/>).</summary>
    AllocationRound,

    /// <summary>A checkpoint was written at <see cref="TrialProgress.Step"/>.</summary>
    Checkpoint,

    /// <summary>
    /// The checkpoint due at <see cref="TrialProgress.Step"/> could not be written (<see cref="TrialProgress.Note"/>: why,
    /// e.g. no space left on the device); training went on, the previous checkpoint stays the resume point.
    /// </summary>
    CheckpointFailed,
}
