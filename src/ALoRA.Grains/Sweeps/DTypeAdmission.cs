using ALoRA.Abstractions.Grains;
using ALoRA.Sweeps;

namespace ALoRA.Grains.Sweeps;

/// <summary>
/// The check at submit of <c>model.dtype</c> against the dtypes the cluster's trainers registered (each probes its device
/// when its silo starts, <see cref="ISchedulerGrain.RegisterTrainersAsync"/>): a sweep asking for a dtype that no
/// trainer computes is refused before anything is stored or queued, naming <c>model.dtype</c> (docs/sweep-spec.md). A
/// spec without a dtype (the device default) and a cluster whose trainers registered none are accepted.
/// </summary>
public static class DTypeAdmission
{
    /// <summary>Asks the scheduler for the registered dtypes and checks <paramref name="spec"/>'s against them.</summary>
    /// <param name="grains">The grain factory.</param>
    /// <param name="spec">The spec.</param>
    /// <exception cref="SweepSpecException">No registered trainer computes the spec's dtype.</exception>
    public static async Task CheckAsync(IGrainFactory grains, SweepSpec spec)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.ModelDType is null)
        {
            return;
        }

        Check(spec, await grains.GetGrain<ISchedulerGrain>(SchedulerKeys.Default).GetDeviceDTypesAsync());
    }

    /// <summary>Checks <paramref name="spec"/>'s dtype against <paramref name="dtypesByTrainer"/>.</summary>
    /// <param name="spec">The spec.</param>
    /// <param name="dtypesByTrainer">The dtypes each trainer computes, by trainer key.</param>
    /// <exception cref="SweepSpecException">No trainer computes the spec's dtype.</exception>
    public static void Check(SweepSpec spec, IReadOnlyDictionary<string, System.Collections.Immutable.ImmutableList<string>> dtypesByTrainer)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(dtypesByTrainer);
        if (spec.ModelDType is not { } dtype || dtypesByTrainer.Count == 0 || dtypesByTrainer.Values.Any(d => d.Contains(dtype)))
        {
            return;
        }

        var devices = string.Join("; ", dtypesByTrainer.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}: {string.Join(", ", p.Value)}"));
        throw new SweepSpecException(
            [spec.ErrorAt("model.dtype", $"model.dtype {dtype} cannot be computed by any trainer of the cluster ({devices}); choose one they compute, or leave model.dtype out for each device's default")],
            spec.SourceName);
    }
}
