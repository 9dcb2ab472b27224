namespace ALoRA.Grains.Resilience;

/// <summary>Settings of the three ALoRA resilience pipelines (configuration section <c>Alora:Resilience</c>).</summary>
public sealed class AloraResilienceOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Alora:Resilience";

    /// <summary>
    /// <see cref="AloraResilience.Storage"/>. Default: 3 retries (4 attempts) from 50 ms, at most 1 s apart, jittered,
    /// no timeouts.
    /// </summary>
    public AloraRetryOptions Storage { get; set; } = new()
    {
        MaxRetryAttempts = 3,
        BaseDelay = TimeSpan.FromMilliseconds(50),
        MaxDelay = TimeSpan.FromSeconds(1),
    };

    /// <summary>
    /// <see cref="AloraResilience.GrainCalls"/>. Default: 5 retries (6 attempts) from 200 ms, at most 5 s apart, jittered,
    /// no per-attempt timeout (Orleans' response timeout applies) and 60 s in total.
    /// </summary>
    public AloraRetryOptions GrainCalls { get; set; } = new()
    {
        MaxRetryAttempts = 5,
        BaseDelay = TimeSpan.FromMilliseconds(200),
        MaxDelay = TimeSpan.FromSeconds(5),
        TotalTimeout = TimeSpan.FromSeconds(60),
    };

    /// <summary>
    /// <see cref="AloraResilience.ClientConnect"/>. Default: 2 retries (3 attempts) from 1 s, at most 5 s apart, jittered,
    /// 10 s per attempt and 40 s in total.
    /// </summary>
    public AloraRetryOptions ClientConnect { get; set; } = new()
    {
        MaxRetryAttempts = 2,
        BaseDelay = TimeSpan.FromSeconds(1),
        MaxDelay = TimeSpan.FromSeconds(5),
        AttemptTimeout = TimeSpan.FromSeconds(10),
        TotalTimeout = TimeSpan.FromSeconds(40),
    };

    /// <summary>The settings of the pipeline named <paramref name="key"/> (one of <see cref="AloraResilience.All"/>).</summary>
    /// <exception cref="ArgumentException"><paramref name="key"/> is not an ALoRA pipeline.</exception>
    public AloraRetryOptions For(string key) => key switch
    {
        AloraResilience.Storage => Storage,
        AloraResilience.GrainCalls => GrainCalls,
        AloraResilience.ClientConnect => ClientConnect,
        _ => throw new ArgumentException($"'{key}' is not an ALoRA resilience pipeline; expected one of {string.Join(", ", AloraResilience.All)}", nameof(key)),
    };
}
