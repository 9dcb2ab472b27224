using ALoRA.Sweeps.Statistics;

namespace ALoRA.Sweeps;

/// <summary>
/// The uniform draws of random search domains: a SplitMix64 hash of (search seed, sample, YAML path), so a value
/// depends on nothing else (not on the order of expansion, the grid or the platform).
/// </summary>
internal static class DeterministicRandom
{
    /// <summary>A number in [0, 1) determined by the three inputs.</summary>
    public static double Uniform(long searchSeed, int sample, string path)
    {
        var h = SplitMix64.Mix(unchecked((ulong)searchSeed));
        h = SplitMix64.Mix(h ^ unchecked((ulong)sample));
        h = SplitMix64.Mix(h ^ SplitMix64.Fnv1A(path));
        return (h >> 11) * (1.0 / (1UL << 53));
    }
}
