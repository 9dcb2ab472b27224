using Orleans.Runtime.Placement;

namespace ALoRA.Grains.Trainers;

/// <summary>
/// Activates a trainer on the silo named by its key (docs/engine-notes.md, Orleans): the part before the first
/// <c>/</c> is matched against the silo names of the active members. When no such silo is active the call fails
/// fast, so the scheduler can give the work to another trainer.
/// </summary>
public sealed class TrainerPlacementDirector(IClusterMembershipService membership) : IPlacementDirector
{
    /// <inheritdoc />
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var key = target.GrainIdentity.Key.ToString() ?? "";
        var silo = TrainerKeys.SiloOf(key);
        var compatible = context.GetCompatibleSilos(target);
        foreach (var member in membership.CurrentSnapshot.Members.Values)
        {
            if (member.Status == SiloStatus.Active && member.Name == silo && compatible.Contains(member.SiloAddress))
            {
                return Task.FromResult(member.SiloAddress);
            }
        }

        throw new OrleansException($"trainer '{key}': no active silo named '{silo}'");
    }
}
