using Orleans.Placement;

namespace ALoRA.Grains.Trainers;

/// <summary>Marks a grain class for <see cref="TrainerPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class TrainerPlacementAttribute() : PlacementAttribute(TrainerPlacement.Instance);
