namespace ALoRA.Grains.Hosting;

/// <summary>Where a silo keeps grain state (<see cref="AloraSiloSetup.Storage"/>).</summary>
public enum AloraStateStorage
{
    /// <summary>One JSON file per grain state under <see cref="AloraSiloSetup.StateDirectory"/>.</summary>
    File,

    /// <summary>Redis at <see cref="AloraSiloSetup.RedisConnectionString"/>, keys under <see cref="AloraSiloSetup.RedisKeyPrefix"/>.</summary>
    Redis,
}
