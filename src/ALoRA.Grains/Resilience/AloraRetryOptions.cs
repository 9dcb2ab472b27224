namespace ALoRA.Grains.Resilience;

/// <summary>
/// Retry and timeout settings of one pipeline. A pipeline is, from the outside in: an optional total timeout, a retry
/// with exponential backoff (optionally jittered, capped at <see cref="MaxDelay"/>), and an optional timeout per attempt.
/// Defaults depend on the pipeline; see <see cref="AloraResilienceOptions"/>.
/// </summary>
public sealed class AloraRetryOptions
{
    /// <summary>Retries after the first attempt (0 = no retry); attempts = 1 + this. Between 0 and 100.</summary>
    public int MaxRetryAttempts { get; set; }

    /// <summary>Delay before the first retry; it doubles for each further retry. Zero retries at once (tests).</summary>
    public TimeSpan BaseDelay { get; set; }

    /// <summary>Longest delay between two attempts; not less than <see cref="BaseDelay"/>.</summary>
    public TimeSpan MaxDelay { get; set; }

    /// <summary>Whether delays are jittered (decorrelated jitter around the exponential curve). Default true.</summary>
    public bool UseJitter { get; set; } = true;

    /// <summary>Time limit of each attempt (at least 10 ms), or null for none; an attempt that times out is retried.</summary>
    public TimeSpan? AttemptTimeout { get; set; }

    /// <summary>Time limit of the whole execution, retries and delays included (at least 10 ms), or null for none.</summary>
    public TimeSpan? TotalTimeout { get; set; }
}
