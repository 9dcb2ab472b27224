namespace ALoRA.Abstractions.Sweeps;

/// <summary>
/// The early-stopping schedulers a sweep can use (<see cref="StoppingSettings.Type"/>; the spec's <c>scheduler.type</c>,
/// docs/sweep-spec.md, "scheduler").
/// </summary>
public static class StoppingTypes
{
    /// <summary>No early stopping across trials: every trial runs to its own end.</summary>
    public const string None = "none";

    /// <summary>Asynchronous successive halving: at each rung only the top 1/<c>reduction_factor</c> continue.</summary>
    public const string Asha = "asha";

    /// <summary>Median stopping: a trial whose best value is worse than the median of the others' running averages stops.</summary>
    public const string Median = "median";

    /// <summary>Every type, in documentation order.</summary>
    public static IReadOnlyList<string> All { get; } = [None, Asha, Median];
}
