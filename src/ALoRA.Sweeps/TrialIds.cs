namespace ALoRA.Sweeps;

/// <summary>Trial ids: <c>&lt;sweep id&gt;-&lt;config hash&gt;</c> (the hash is 12 hex digits, so it holds no dash).</summary>
public static class TrialIds
{
    /// <summary>The id of the trial of <paramref name="sweepId"/> whose resolved configuration hashes to <paramref name="configHash"/>.</summary>
    public static string Of(string sweepId, string configHash) => $"{sweepId}-{configHash}";

    /// <summary>The sweep of <paramref name="trialId"/> (everything before its last dash).</summary>
    public static string SweepOf(string trialId)
    {
        ArgumentNullException.ThrowIfNull(trialId);
        var dash = trialId.LastIndexOf('-');
        return dash <= 0 ? trialId : trialId[..dash];
    }
}
