namespace ALoRA.Cli;

/// <summary>Process exit codes of the <c>alora</c> command.</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>Bad input: a missing or malformed file, an invalid option (the message names it).</summary>
    public const int BadInput = 2;

    /// <summary>The native torch runtime could not load (the message names the cause and the fix).</summary>
    public const int RuntimeUnavailable = 3;

    /// <summary>Training failed (for example diverged).</summary>
    public const int TrainingFailed = 4;

    /// <summary>Cancelled by the user (Ctrl+C).</summary>
    public const int Cancelled = 130;
}
