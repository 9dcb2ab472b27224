using System.Collections.Immutable;

namespace ALoRA.Grains.Scheduling;

/// <summary>
/// The dtypes each trainer's device computes (docs/sweep-spec.md, <c>model.dtype</c>): held in memory, not in the stored
/// state; trainers announce them again every heartbeat, so a reactivated scheduler knows them again within one.
/// </summary>
public sealed partial class SchedulerGrain
{
    private readonly Dictionary<string, ImmutableList<string>> _dtypes = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public Task RegisterDeviceDTypesAsync(Dictionary<string, ImmutableList<string>> dtypesByTrainer)
    {
        ArgumentNullException.ThrowIfNull(dtypesByTrainer);
        foreach (var (key, dtypes) in dtypesByTrainer)
        {
            _dtypes[key] = dtypes;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<Dictionary<string, ImmutableList<string>>> GetDeviceDTypesAsync() => Task.FromResult(
        _dtypes.Where(p => state.State.Trainers.ContainsKey(p.Key)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal));
}
