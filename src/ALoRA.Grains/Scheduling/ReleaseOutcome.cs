namespace ALoRA.Grains.Scheduling;

/// <summary>What an experiment's word that an attempt ended did to the slots (<see cref="SlotBook.Release"/>).</summary>
public enum ReleaseOutcome
{
    /// <summary>No slot held the trial (freed before, or never dispatched): the queue still follows the word.</summary>
    NotHeld,

    /// <summary>The attempt's slot held it and is free now.</summary>
    Freed,

    /// <summary>Another trainer holds the trial now: the word is about an older attempt and changes nothing.</summary>
    HeldElsewhere,
}
