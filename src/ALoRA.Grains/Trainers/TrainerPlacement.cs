namespace ALoRA.Grains.Trainers;

/// <summary>Places a grain whose key is <c>&lt;silo name&gt;/&lt;device&gt;</c> on the active silo with that name.</summary>
[GenerateSerializer, Immutable, Alias("alora.TrainerPlacement")]
public sealed class TrainerPlacement : PlacementStrategy
{
    /// <summary>The shared instance.</summary>
    public static readonly TrainerPlacement Instance = new();
}
