using System.Collections.Immutable;
using ALoRA.Sweeps;

namespace ALoRA.Grains.Scheduling;

/// <summary>
/// The dtypes (docs/sweep-spec.md, <c>model.dtype</c>): each device's, as its silo registers them
/// (<see cref="TrainerRecord.DTypes"/>), and each sweep's (<see cref="SchedulerState.SweepDTypes"/>); a slot takes a
/// trial only if its device computes the trial's sweep's dtype.
/// </summary>
public sealed partial class SchedulerGrain
{
    /// <inheritdoc />
    public Task<Dictionary<string, ImmutableList<string>>> GetDeviceDTypesAsync() => Task.FromResult(
        state.State.Trainers.Where(p => p.Value.DTypes is not null).ToDictionary(p => p.Key, p => p.Value.DTypes!.ToImmutableList(), StringComparer.Ordinal));

    /// <summary>The <c>model.dtype</c> of <paramref name="trialId"/>'s sweep, or null (the device's default).</summary>
    private string? DTypeOf(string trialId) => state.State.SweepDTypes.GetValueOrDefault(TrialIds.SweepOf(trialId));
}
