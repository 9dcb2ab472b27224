namespace ALoRA.Sweeps;

/// <summary><c>{randint: [low, high]}</c>: an integer uniformly in [low, high) (high exclusive, as Ray Tune), per sample.</summary>
/// <param name="Low">Lowest value.</param>
/// <param name="High">Exclusive upper end (greater than <paramref name="Low"/>).</param>
public sealed record RandIntDomain(long Low, long High) : SearchDomain
{
    /// <inheritdoc />
    public override string Keyword => "randint";

    /// <inheritdoc />
    public override bool IsRandom => true;

    internal override IReadOnlyList<object?> Extremes => [Low, High - 1];

    internal override object? ToCanonical() => new SortedDictionary<string, object?>(StringComparer.Ordinal) { [Keyword] = new object?[] { Low, High } };

    internal override object? Draw(double u) => Math.Min(Low + (long)Math.Floor(u * (High - Low)), High - 1);
}
