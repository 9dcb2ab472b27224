using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace ALoRA.Grains.Trainers;

/// <summary>
/// The running job of each trainer of this silo, by trainer key. Owned by the silo, not by a grain activation: Orleans
/// may replace a trainer's activation while it trains (it deactivates the activations whose grain-directory entry lived
/// on a silo that left the cluster), and the new activation must adopt the job, not ask for new work while the device
/// still trains the old one.
/// </summary>
public sealed class TrainerJobs
{
    private readonly ConcurrentDictionary<string, TrainerJob> _jobs = new(StringComparer.Ordinal);

    internal void Add(string trainer, TrainerJob job) => _jobs[trainer] = job;

    internal bool TryGet(string trainer, [NotNullWhen(true)] out TrainerJob? job) => _jobs.TryGetValue(trainer, out job);

    internal void Remove(string trainer, TrainerJob job) => _jobs.TryRemove(KeyValuePair.Create(trainer, job));
}
