namespace ALoRA.Grains.Hosting;

/// <summary>Names of the grain storage providers the grains use.</summary>
public static class AloraStorageNames
{
    /// <summary>Sweeps, experiments and the scheduler persist their state here.</summary>
    public const string State = "alora";
}
