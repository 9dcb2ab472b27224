using System.Collections.Immutable;

namespace ALoRA.Grains.Scheduling;

/// <summary>
/// The dtypes each device computes (docs/sweep-spec.md, <c>model.dtype</c>): held in memory, not in the stored state;
/// they come with every registration (<see cref="RegisterTrainersAsync"/>), so a reactivated scheduler knows them again
/// within one heartbeat.
/// </summary>
public sealed partial class SchedulerGrain
{
    private readonly Dictionary<string, ImmutableList<string>> _dtypes = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public Task<Dictionary<string, ImmutableList<string>>> GetDeviceDTypesAsync() => Task.FromResult(
        _dtypes.Where(p => state.State.Trainers.ContainsKey(p.Key)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal));
}
