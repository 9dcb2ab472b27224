using System.Text;

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
        var h = Mix(unchecked((ulong)searchSeed));
        h = Mix(h ^ unchecked((ulong)sample));
        h = Mix(h ^ Fnv1A(path));
        return (h >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>SplitMix64's output function applied to <paramref name="x"/> plus the golden-ratio increment.</summary>
    private static ulong Mix(ulong x)
    {
        unchecked
        {
            var z = x + 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    private static ulong Fnv1A(string text)
    {
        var h = 0xCBF29CE484222325UL;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            h = unchecked((h ^ b) * 0x100000001B3UL);
        }

        return h;
    }
}
