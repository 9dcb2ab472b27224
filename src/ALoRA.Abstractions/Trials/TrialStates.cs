namespace ALoRA.Abstractions.Trials;

/// <summary>Helpers on <see cref="TrialState"/>.</summary>
public static class TrialStates
{
    /// <summary>True for Completed, Failed, Cancelled and Stopped.</summary>
    public static bool IsFinal(this TrialState state) =>
        state is TrialState.Completed or TrialState.Failed or TrialState.Cancelled or TrialState.Stopped;

    /// <summary>
    /// True when nothing more will happen to the trial without someone acting: it is final, or its stored state is
    /// unreadable. A sweep is over when every trial is settled.
    /// </summary>
    public static bool IsSettled(this TrialState state) => state.IsFinal() || state == TrialState.Unreadable;
}
