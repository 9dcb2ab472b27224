namespace ALoRA.Cli;

/// <summary>Process exit codes of the <c>alora</c> command (documented in the README).</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>Something went wrong that has no more specific code.</summary>
    public const int Failed = 1;

    /// <summary>Bad input: a missing or malformed file, an invalid option or spec (the message names it).</summary>
    public const int BadInput = 2;

    /// <summary>The native torch runtime could not load (the message names the cause and the fix).</summary>
    public const int RuntimeUnavailable = 3;

    /// <summary>Training failed, or a watched sweep ended with failed trials.</summary>
    public const int TrainingFailed = 4;

    /// <summary>No cluster answered at the gateway in time.</summary>
    public const int ClusterUnavailable = 5;

    /// <summary>The sweep or trial named does not exist.</summary>
    public const int NotFound = 6;

    /// <summary>
    /// The cluster refused the call as unauthenticated: it asks for a client token and none or a wrong one was given
    /// (<c>--token-file</c>, <c>ALORA_TOKEN_FILE</c>, <c>ALORA_TOKEN</c>; docs/security.md).
    /// </summary>
    public const int Unauthenticated = 7;

    /// <summary>Cancelled by the user (Ctrl+C).</summary>
    public const int Cancelled = 130;
}
