using System.Text.Json.Serialization;

namespace ALoRA.Grains.Simulation;

/// <summary>
/// What the simulated engine writes of each attempt in the trial's workspace (<c>simulation/attempt-NNNN.json</c>):
/// written when the attempt starts (outcome <c>running</c>) and again when it ends, so a benchmark can tell how long
/// every device was busy and with what. An attempt whose process was killed keeps <c>running</c> and no end.
/// </summary>
public sealed record SimulatedAttemptRecord
{
    /// <summary>The trial.</summary>
    [JsonPropertyName("trial_id")]
    public string TrialId { get; init; } = "";

    /// <summary>The attempt number.</summary>
    [JsonPropertyName("attempt")]
    public int Attempt { get; init; }

    /// <summary>The trainer device.</summary>
    [JsonPropertyName("device")]
    public string Device { get; init; } = "";

    /// <summary>The process that ran it.</summary>
    [JsonPropertyName("pid")]
    public int ProcessId { get; init; }

    /// <summary>When it started (wall clock).</summary>
    [JsonPropertyName("started")]
    public DateTimeOffset Started { get; init; }

    /// <summary>When it ended (wall clock); null while it runs, or when its process died.</summary>
    [JsonPropertyName("ended")]
    public DateTimeOffset? Ended { get; init; }

    /// <summary>The step it resumed from (0: from the start).</summary>
    [JsonPropertyName("start_step")]
    public int StartStep { get; init; }

    /// <summary>The last step it completed.</summary>
    [JsonPropertyName("end_step")]
    public int EndStep { get; init; }

    /// <summary>Steps of the trial.</summary>
    [JsonPropertyName("total_steps")]
    public int TotalSteps { get; init; }

    /// <summary>Simulated seconds of the whole trial run straight through in one attempt (the trial's work).</summary>
    [JsonPropertyName("trial_seconds")]
    public double TrialSeconds { get; init; }

    /// <summary>Simulated device seconds this attempt took (its parts, slowed down while it shared its device); up to its last step when it did not complete.</summary>
    [JsonPropertyName("simulated_seconds")]
    public double SimulatedSeconds { get; init; }

    /// <summary><c>running</c>, <c>completed</c>, <c>cancelled</c> or <c>failed</c>.</summary>
    [JsonPropertyName("outcome")]
    public string Outcome { get; init; } = "running";
}
