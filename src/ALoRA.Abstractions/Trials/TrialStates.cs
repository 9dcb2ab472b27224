namespace ALoRA.Abstractions.Trials;

/// <summary>Helpers on <see cref="TrialState"/>.</summary>
public static class TrialStates
{
    /// <summary>True for Completed, Failed and Cancelled.</summary>
    public static bool IsFinal(this TrialState state) => state is TrialState.Completed or TrialState.Failed or TrialState.Cancelled;
}
