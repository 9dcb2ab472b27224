namespace ALoRA.Sweeps.Statistics;

/// <summary>
/// SplitMix64 pseudo-random generator (Steele, Lea and Flood 2014): a fixed, documented algorithm, so a seeded
/// bootstrap gives the same interval on every platform and .NET version (unlike <see cref="System.Random"/>).
/// </summary>
internal struct SplitMix64
{
    private const ulong Gamma = 0x9E3779B97F4A7C15UL;
    private ulong _state;

    /// <summary>Creates a generator whose stream is a pure function of <paramref name="seed"/>.</summary>
    public SplitMix64(long seed) => _state = unchecked((ulong)seed);

    /// <summary>The next 64 random bits.</summary>
    public ulong Next()
    {
        unchecked
        {
            _state += Gamma;
            var z = _state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
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
