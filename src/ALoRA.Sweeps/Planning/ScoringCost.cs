namespace ALoRA.Sweeps.Planning;

/// <summary>
/// The work of one AB-LoRA allocation round, in forward-equivalents of the validation batch B_val (a backward pass
/// counts 2), for each scorer (<c>alora.scorer</c>, docs/alora-method.md section 8):
/// <list type="bullet">
/// <item><c>reference</c>: 1 + 2R full forwards (CE(M), then CE(M \ r) and CE(M_r) for each of the R active ranks);</item>
/// <item><c>fast</c>: 2 (the block inputs of M and of the base model) plus, for each rank, 2 x (L - l) / L, the blocks
/// from the rank's layer l (0-based) onward run twice: 2 + R(L + 1)/L when the ranks are spread evenly over the layers;</item>
/// <item><c>approx</c>: two forward+backward passes (all gates on, all LoRA gates off), 6 whatever R;</item>
/// <item><c>hybrid</c>: <c>approx</c>, then <c>fast</c> on a shortlist of <c>shortlist_factor x n_A</c> ranks (at most R).</item>
/// </list>
/// Pure arithmetic for <c>alora plan</c>; the engine's scorers report the work they did (<c>ScoreSet.ForwardEquivalents</c>),
/// and a test compares the two for <c>fast</c> and <c>reference</c>.
/// </summary>
public static class ScoringCost
{
    /// <summary>The plain definition.</summary>
    public const string Reference = "reference";

    /// <summary>The exact fast path (prefix reuse, stacked variants).</summary>
    public const string Fast = "fast";

    /// <summary>First-order estimate from gate gradients.</summary>
    public const string Approx = "approx";

    /// <summary><see cref="Approx"/> for every rank, exact <see cref="Fast"/> scores for a shortlist.</summary>
    public const string Hybrid = "hybrid";

    /// <summary>The default shortlist factor of <see cref="Hybrid"/>.</summary>
    public const int DefaultShortlistFactor = 3;

    /// <summary>Forward-equivalents of <see cref="Approx"/>: two forward+backward passes of B_val.</summary>
    public const double ApproxForwards = 6;

    /// <summary>Forward-equivalents of one round of <see cref="Reference"/> over <paramref name="ranks"/> active ranks.</summary>
    /// <param name="ranks">Active ranks scored.</param>
    public static double ReferenceForwards(int ranks)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ranks);
        return 1 + (2.0 * ranks);
    }

    /// <summary>
    /// Forward-equivalents of one round of <see cref="Fast"/>, from the layer of every scored rank: the blocks from that
    /// layer on, twice per rank. An upper bound: the fast path also shares the part of a block before the varied
    /// projection (docs/alora-method.md section 8), 10-15 % less on the sample model.
    /// </summary>
    /// <param name="rankLayers">The decoder layer (0-based) of each active rank scored.</param>
    /// <param name="layers">Decoder layers of the model.</param>
    public static double FastForwards(IEnumerable<int> rankLayers, int layers)
    {
        ArgumentNullException.ThrowIfNull(rankLayers);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layers);
        return 2 + rankLayers.Sum(l => 2.0 * (layers - Math.Clamp(l, 0, layers - 1)) / layers);
    }

    /// <summary>Forward-equivalents of one round of <see cref="Fast"/> with the ranks spread evenly over the layers: 2 + R(L + 1)/L.</summary>
    /// <param name="ranks">Active ranks scored.</param>
    /// <param name="layers">Decoder layers of the model.</param>
    public static double FastForwards(int ranks, int layers)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ranks);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layers);
        return 2 + (ranks * (layers + 1.0) / layers);
    }

    /// <summary>Ranks <see cref="Hybrid"/> scores exactly: <c>shortlist_factor x n_A</c>, at most all of them.</summary>
    /// <param name="ranks">Active ranks.</param>
    /// <param name="ranksPerRound">Ranks pruned per round (n_A).</param>
    /// <param name="shortlistFactor">The shortlist factor.</param>
    public static int Shortlist(int ranks, int ranksPerRound, int shortlistFactor = DefaultShortlistFactor)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ranks);
        ArgumentOutOfRangeException.ThrowIfNegative(ranksPerRound);
        ArgumentOutOfRangeException.ThrowIfLessThan(shortlistFactor, 1);
        return (int)Math.Min(ranks, (long)shortlistFactor * ranksPerRound);
    }

    /// <summary>Forward-equivalents of one allocation round of <paramref name="scorer"/>, the ranks spread evenly over the layers.</summary>
    /// <param name="scorer"><see cref="Reference"/>, <see cref="Fast"/>, <see cref="Approx"/> or <see cref="Hybrid"/>.</param>
    /// <param name="ranks">Active ranks (the rank budget).</param>
    /// <param name="layers">Decoder layers of the model.</param>
    /// <param name="ranksPerRound">Ranks pruned per round (n_A), for the hybrid shortlist.</param>
    /// <param name="shortlistFactor">The hybrid shortlist factor.</param>
    /// <exception cref="ArgumentException">An unknown scorer.</exception>
    public static double ForwardsPerRound(string scorer, int ranks, int layers, int ranksPerRound, int shortlistFactor = DefaultShortlistFactor) => scorer switch
    {
        Reference => ReferenceForwards(ranks),
        Fast => FastForwards(ranks, layers),
        Approx => ApproxForwards,
        Hybrid => ApproxForwards + FastForwards(Shortlist(ranks, ranksPerRound, shortlistFactor), layers),
        _ => throw new ArgumentException($"'{scorer}' is not a scorer (reference, fast, approx, hybrid)", nameof(scorer)),
    };
}
