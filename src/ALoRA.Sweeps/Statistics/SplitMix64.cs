namespace ALoRA.Sweeps.Statistics;

/// <summary>
/// SplitMix64 pseudo-random generator (Steele, Lea and Flood 2014): a fixed, documented algorithm, so a seeded
/// bootstrap gives the same interval on every platform and .NET version (unlike <see cref="System.Random"/>). The one
/// copy outside the engine (which keeps its own, having no reference to this project): the random search draws
/// (<see cref="DeterministicRandom"/>) and the simulated engine's loss curves use it too.
/// </summary>
public struct SplitMix64
{
    private const ulong Gamma = 0x9E3779B97F4A7C15UL;
    private ulong _state;

    /// <summary>Creates a generator whose stream is a pure function of <paramref name="seed"/>.</summary>
    public SplitMix64(long seed) => _state = unchecked((ulong)seed);

    /// <summary>The next 64 random bits.</summary>
    public ulong Next()
    {
        var bits = Mix(_state);
        _state = unchecked(_state + Gamma);
        return bits;
    }

    /// <summary>The first output of a generator whose state is <paramref name="x"/>: SplitMix64's mix of x plus the golden-ratio increment.</summary>
    public static ulong Mix(ulong x)
    {
        unchecked
        {
            var z = x + Gamma;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    /// <summary>The 64-bit FNV-1a hash of <paramref name="text"/>'s UTF-8 bytes: a stable key from a string (unlike <see cref="string.GetHashCode()"/>).</summary>
    public static ulong Fnv1A(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var h = 0xCBF29CE484222325UL;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(text))
        {
            h = unchecked((h ^ b) * 0x100000001B3UL);
        }

        return h;
    }

    /// <summary>
    /// A uniform integer in <c>[0, exclusiveMax)</c>: the high word of a 64 x 64-bit product, with Lemire's rejection
    /// of the few low words that would bias it (Lemire 2019, "Fast random integer generation in an interval").
    /// </summary>
    public int NextInt(int exclusiveMax)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(exclusiveMax);
        var bound = (ulong)exclusiveMax;
        var high = Math.BigMul(Next(), bound, out var low);
        if (low < bound)
        {
            var threshold = unchecked(0UL - bound) % bound;
            while (low < threshold)
            {
                high = Math.BigMul(Next(), bound, out low);
            }
        }

        return (int)high;
    }
}
