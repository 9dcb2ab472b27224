namespace ALoRA.Engine.Data;

/// <summary>
/// SplitMix64 pseudo-random generator (Steele, Lea and Flood 2014): a fixed, documented algorithm, so seeded
/// shuffles are identical across .NET versions (unlike <see cref="System.Random"/>).
/// </summary>
internal struct SplitMix64
{
    private const ulong Gamma = 0x9E3779B97F4A7C15UL;
    private ulong _state;

    /// <summary>Creates a generator whose stream is a pure function of the given keys (e.g. seed and epoch).</summary>
    public SplitMix64(long seed, long stream = 0)
    {
        _state = Mix(unchecked((ulong)seed)) ^ Mix(unchecked(((ulong)stream * Gamma) + 0x632BE59BD9B4E019UL));
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong Next()
    {
        _state = unchecked(_state + Gamma);
        return Mix(_state);
    }

    /// <summary>A uniform integer in <c>[0, exclusiveMax)</c> (unbiased, by rejection).</summary>
    public int NextInt(int exclusiveMax)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(exclusiveMax);
        var bound = (ulong)exclusiveMax;
        var threshold = unchecked(0UL - bound) % bound;
        while (true)
        {
            var r = Next();
            if (r >= threshold)
            {
                return (int)(r % bound);
            }
        }
    }

    /// <summary>Fisher–Yates shuffle of <paramref name="items"/> in place.</summary>
    public void Shuffle<T>(IList<T> items)
    {
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static ulong Mix(ulong z)
    {
        unchecked
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
